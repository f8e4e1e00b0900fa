/**
 * The only module that knows every backend. Each backend is one folder with a `provider.ts`
 * (name, which paths it claims, how it opens, its option group, optional abilities) and one line
 * here. Everything else asks the registry: the app to open a path, the CLI to build the options.
 */
import { stat } from 'node:fs/promises';
import { InputError, UsageError } from '../errors.js';
import { describeReadError } from '../read-error.js';
import { type Backend, type BackendProvider, canWarmUp, type OptionGroup, type Purpose } from './backend.js';
import { onnxProvider, type OnnxOptions } from './onnx/provider.js';
import { savedProvider } from './saved/provider.js';
import { tensorRtProvider, type TensorRtOptions } from './tensorrt/provider.js';

/** Every backend's options, merged: what the app and the CLI hand to `openBackend`. */
export type BackendOptions = OnnxOptions & TensorRtOptions;

/** Every backend, in the order help lists their options and messages list what is accepted. */
export const BACKENDS: readonly BackendProvider<BackendOptions>[] = [onnxProvider, tensorRtProvider, savedProvider];

/**
 * Which backend a path means: the one rule, used by every command.
 * @throws InputError for a path that cannot be read, or a directory no backend takes; UsageError for a
 *   file no backend claims (naming what is accepted).
 */
export async function providerFor(path: string): Promise<BackendProvider<BackendOptions>> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(path)).isDirectory();
  } catch (err) {
    throw new InputError(path, describeReadError(err), { cause: err });
  }
  for (const p of BACKENDS) if (await p.claims(path, isDirectory)) return p;
  if (isDirectory) {
    const refusal = BACKENDS.find((p) => p.directoryRefusal !== undefined)?.directoryRefusal ?? 'is a directory';
    throw new InputError(path, refusal);
  }
  throw new UsageError(`cannot tell which backend runs ${path}: expected ${acceptedList(BACKENDS)}`);
}

/**
 * The model-running backend that claims `path` by its name alone (no file access), or null: how
 * `bench` tells its model arguments from an image.
 */
export function modelProviderByName(path: string): BackendProvider<BackendOptions> | null {
  for (const p of BACKENDS) {
    if (!p.runsModels) continue;
    const claim = p.claims(path, false);
    if (claim === true) return p;
  }
  return null;
}

/**
 * Opens `path` with the backend that claims it.
 * @param needsModel When true (bench, inspect), a replay of saved outputs is refused with a usage error.
 */
export async function openBackend(path: string, options: BackendOptions, purpose: Purpose, provider?: BackendProvider<BackendOptions>): Promise<Backend> {
  const p = provider ?? (await providerFor(path));
  if (!p.runsModels && purpose !== 'compare') throw new UsageError(`${path} is a ${p.label}; ${purpose} takes ${acceptedList(BACKENDS.filter((b) => b.runsModels))}`);
  return p.open(path, options, purpose);
}

/**
 * Starts early what the backends that claim `paths` by name can start before opening them (the
 * ONNX Runtime worker), each backend once. Nothing to release: what a warm-up starts ends with the
 * backends that use it, or on its own. Never rejects: a warm-up that fails leaves the error to the
 * open that follows.
 */
export async function warmUp(paths: readonly string[], options: BackendOptions): Promise<void> {
  const providers = new Set<BackendProvider<BackendOptions>>();
  for (const path of paths) {
    const p = BACKENDS.find((b) => b.claims(path, false) === true);
    if (p !== undefined) providers.add(p);
  }
  await Promise.all([...providers].map((p) => (canWarmUp(p) ? p.warmUp(options).catch(() => {}) : undefined)));
}

/** The option groups that `purpose` offers, each with only the options of that command. */
export function optionGroupsFor(purpose: Purpose): OptionGroup[] {
  return BACKENDS.map((p) => ({ title: p.optionGroup.title, options: p.optionGroup.options.filter((o) => o.commands.includes(purpose)) })).filter((g) => g.options.length > 0);
}

/** "a .onnx model, a TensorRT engine (.engine, .plan, .trt) or a directory written by --save-outputs" */
export function acceptedList(providers: readonly BackendProvider<BackendOptions>[]): string {
  const items = providers.map((p) => p.accepts);
  return items.length <= 1 ? (items[0] ?? 'nothing') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
