/**
 * Replaying saved runs: `SavedBackend` serves the outputs recorded by SavedRunWriter as if a
 * backend had produced them; `SavedInputs` serves inputs recorded by SavedInputsWriter.
 */
import { realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { InputError } from '../../errors.js';
import { describeReadError } from '../../read-error.js';
import { readNpyFile } from '../../io/npy-file.js';
import { formatShape, sameShape } from '../../tensor/shape.js';
import type { Tensor, TensorInfo, TensorMap } from '../../tensor/types.js';
import type { Replay } from '../backend.js';
import { BaseBackend, type MeasuredRun } from '../base-backend.js';
import { tensorMapDigest } from './digest.js';
import { readManifest, type SavedEntry, type SavedManifest, type SavedProducer } from './manifest.js';

/** Read every file of one entry, checking each against what the manifest recorded. */
export async function loadEntry(dir: string, entry: SavedEntry): Promise<Map<string, Tensor>> {
  const out = new Map<string, Tensor>();
  for (const [name, f] of Object.entries(entry.files)) {
    const path = join(dir, f.path);
    // A link inside the run may point anywhere (a shared CI cache): reading through it would compare
    // a file that is not part of the run. Links that stay inside the run are followed.
    const real = await insideRun(dir, path);
    const t = await readNpyFile(real, { dtype: f.dtype }).catch((err: unknown) => {
      throw err instanceof InputError && real !== path ? new InputError(path, err.message.startsWith(`${real}: `) ? err.message.slice(real.length + 2) : err.message) : err;
    });
    if (!sameShape(t.shape, f.shape)) {
      throw new InputError(path, `has shape ${formatShape(t.shape)} but the manifest records ${formatShape(f.shape)}`);
    }
    out.set(name, t);
  }
  return out;
}

/**
 * The real path of `path`, which must lie inside the run directory `dir` once every link is resolved.
 * @throws InputError naming `path` when it is missing, a link loop, or leads outside the run.
 */
export async function insideRun(dir: string, path: string): Promise<string> {
  let real: string;
  let root: string;
  try {
    [root, real] = await Promise.all([realpath(dir), realpath(path)]);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(path, code === 'ENOENT' ? 'listed in the saved run\'s manifest but missing' : describeReadError(err), { cause: err });
  }
  if (!real.startsWith(root + sep)) {
    throw new InputError(path, `is a symbolic link to ${real}, outside the saved run ${dir}; refused (a saved run must hold its own files)`);
  }
  return real;
}

function missingKey(dir: string, what: string, key: string, keys: readonly string[]): InputError {
  const sample = keys.slice(0, 3).map((k) => `'${k}'`).join(', ');
  return new InputError(dir, `no saved ${what} for '${key}' (the run has ${keys.length} entr${keys.length === 1 ? 'y' : 'ies'}${keys.length ? `, e.g. ${sample}` : ''})`, {
    hints: ['Keys are the input paths as given when the run was saved; pass the same paths, or compare two saved runs directly.'],
  });
}

/** Say what differs between the recorded input description and the feeds. */
function describeInputChange(entry: SavedEntry, feeds: TensorMap): string {
  const was = Object.keys(entry.inputs).sort();
  const now = [...feeds.keys()].sort();
  if (was.join('\0') !== now.join('\0')) return `input names were [${was.join(', ')}], now [${now.join(', ')}]`;
  const diffs: string[] = [];
  for (const name of now) {
    const r = entry.inputs[name]!;
    const t = feeds.get(name)!;
    if (r.dtype !== t.dtype) diffs.push(`'${name}' dtype was ${r.dtype}, now ${t.dtype}`);
    if (!sameShape(r.shape, t.shape)) diffs.push(`'${name}' shape was ${formatShape(r.shape)}, now ${formatShape(t.shape)}`);
  }
  return diffs.length > 0 ? diffs.join('; ') : 'same names, dtypes and shapes, but different values';
}

/**
 * A saved run (`--save-outputs DIR`) used as a backend. `run(feeds, key)` returns the outputs
 * saved for `key`, after checking that `feeds` digest to the input they were saved with.
 */
export class SavedBackend extends BaseBackend implements Replay {
  readonly name = 'saved' as const;
  readonly source: string;
  readonly inputs: readonly TensorInfo[] | null;
  readonly outputs: readonly TensorInfo[];
  /** Who wrote the run: the original backend and model/engine. */
  readonly producer: SavedProducer;
  readonly #manifest: SavedManifest;

  private constructor(dir: string, manifest: SavedManifest) {
    super();
    this.source = dir;
    this.#manifest = manifest;
    this.producer = manifest.producer;
    this.inputs = manifest.inputs;
    this.outputs = manifest.outputs;
  }

  /** @throws InputError when `dir` is not a saved run of outputs. */
  static async open(dir: string): Promise<SavedBackend> {
    const manifest = await readManifest(dir);
    if (manifest.kind !== 'outputs') {
      throw new InputError(dir, 'holds saved inputs (--save-inputs), not backend outputs', {
        hints: ['A saved run to compare against is written by --save-outputs DIR.'],
      });
    }
    return new SavedBackend(dir, manifest);
  }

  /** Every key with saved outputs, in the order they were saved. */
  listKeys(): string[] {
    return Object.keys(this.#manifest.entries);
  }

  has(key: string): boolean {
    return Object.hasOwn(this.#manifest.entries, key);
  }

  /** The manifest entry of `key` (digest, input shapes, files), or undefined. */
  entryOf(key: string): SavedEntry | undefined {
    return this.has(key) ? this.#manifest.entries[key] : undefined;
  }

  /** The recorded digest of the input saved under `key` (for checking two runs saw the same input). */
  inputDigest(key: string): string | undefined {
    return this.has(key) ? this.#manifest.entries[key]!.inputDigest : undefined;
  }

  /**
   * The outputs saved for `key`. With non-empty `feeds`, first checks they are the input the
   * outputs were saved with; an empty map skips that check (comparing two saved runs, with no
   * images, has no feeds: compare `inputDigest` of both runs instead).
   * @throws InputError for an unknown key, a different input, or a missing/corrupt file.
   */
  protected async runImpl(feeds: TensorMap, key: string): Promise<MeasuredRun> {
    if (!this.has(key)) throw missingKey(this.source, 'outputs', key, this.listKeys());
    const entry = this.#manifest.entries[key]!;
    if (feeds.size > 0) {
      const digest = tensorMapDigest(feeds);
      if (digest !== entry.inputDigest) {
        throw new InputError(this.source,
          `the input for '${key}' is not the one its outputs were saved with (${describeInputChange(entry, feeds)}): preprocessing differed, or the image changed`, {
            hints: ['Use the same preprocessing options (size, resize kernel, mean/std, layout, dtype) as when the run was saved, or save it again.'],
          });
      }
    }
    const outputs = await loadEntry(this.source, entry);
    return { outputs, timing: {} };
  }

  /** The input digest check in `runImpl` is stricter than a shape check, and says what differed. */
  protected override checkInputs(): void {}

  protected async disposeImpl(): Promise<void> {}
}

/** Preprocessed inputs saved by `--save-inputs DIR`, replayable without the images. */
export class SavedInputs {
  readonly dir: string;
  readonly producer: SavedProducer;
  /** The model inputs declared when saving, if known. */
  readonly inputs: readonly TensorInfo[] | null;
  readonly #manifest: SavedManifest;

  private constructor(dir: string, manifest: SavedManifest) {
    this.dir = dir;
    this.#manifest = manifest;
    this.producer = manifest.producer;
    this.inputs = manifest.inputs;
  }

  /** @throws InputError when `dir` is not a saved-inputs directory. */
  static async open(dir: string): Promise<SavedInputs> {
    const manifest = await readManifest(dir);
    if (manifest.kind !== 'inputs') throw new InputError(dir, 'holds saved backend outputs, not inputs (--save-inputs)');
    return new SavedInputs(dir, manifest);
  }

  listKeys(): string[] {
    return Object.keys(this.#manifest.entries);
  }

  /**
   * The input tensors saved under `key`, verified against their recorded digest.
   * @throws InputError for an unknown key or files that changed since they were saved.
   */
  async load(key: string): Promise<TensorMap> {
    if (!Object.hasOwn(this.#manifest.entries, key)) throw missingKey(this.dir, 'inputs', key, this.listKeys());
    const entry = this.#manifest.entries[key]!;
    const tensors = await loadEntry(this.dir, entry);
    if (tensorMapDigest(tensors) !== entry.inputDigest) {
      throw new InputError(this.dir, `the files saved for '${key}' no longer match their recorded digest: they were modified after saving`);
    }
    return tensors;
  }
}
