import type { Command } from 'commander';
import { stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import type { Backend } from '../backends/backend.js';
import { OnnxBackend } from '../backends/onnx/onnx-backend.js';
import { TensorRtBackend } from '../backends/tensorrt/tensorrt-backend.js';
import { InputError, UsageError } from '../errors.js';
import { parseNonNegativeInt, parsePositiveInt } from './options.js';

export type BackendKind = 'onnxruntime' | 'tensorrt' | 'saved';

export interface BackendCliOptions {
  readonly onnxProvider?: string;
  readonly threads?: number;
  readonly device?: number;
  readonly profile?: number;
  readonly plugins?: readonly string[];
  readonly allowEngineHostCode?: boolean;
  /** bench only: TensorRT without H2D/D2H copies (compute alone). */
  readonly transfers?: boolean;
  /** bench only: capture the enqueue into a CUDA graph. */
  readonly cudaGraph?: boolean;
  /** ONNX Runtime's idle spinning; compare turns it off so decoding the next image gets a core. */
  readonly onnxSpinning?: boolean;
}

/** The options that choose and set up a backend, shared by every command that opens models. */
export function addBackendOptions(cmd: Command): Command {
  return cmd
    .option('--onnx-provider <name>', 'ONNX Runtime execution provider (cpu, cuda, tensorrt, … where installed)', 'cpu')
    .option('--threads <n>', 'ONNX Runtime intra-op threads (default: ORT\'s choice)', parsePositiveInt('--threads'))
    .option('--device <n>', 'CUDA device for TensorRT engines', parseNonNegativeInt('--device'), 0)
    .option('--profile <n>', 'TensorRT optimization profile', parseNonNegativeInt('--profile'), 0)
    .option('--plugins <lib.so...>', 'TensorRT plugin libraries to load before deserializing')
    .option('--allow-engine-host-code', 'allow version-compatible engines that run code embedded in the plan file', false);
}

const ENGINE_EXTENSIONS = ['.engine', '.plan', '.trt'];
/** File extensions that name a model or engine (not a saved run or an image). */
export const MODEL_EXTENSIONS: readonly string[] = ['.onnx', ...ENGINE_EXTENSIONS];

/**
 * Which backend a command-line path means: the one rule, used by compare, bench and inspect.
 * A directory is a saved run only if it has the manifest; anything else is a usage error that says what is accepted.
 */
export async function backendKindOf(path: string): Promise<BackendKind> {
  let st;
  try {
    st = await stat(path);
  } catch (e) {
    throw new InputError(path, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : `cannot read: ${(e as Error).message}`);
  }
  if (st.isDirectory()) {
    try {
      await stat(join(path, 'manifest.json'));
    } catch {
      throw new InputError(path, 'is a directory without manifest.json, so not a run written by --save-outputs');
    }
    return 'saved';
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.onnx') return 'onnxruntime';
  if (ENGINE_EXTENSIONS.includes(ext)) return 'tensorrt';
  throw new UsageError(`cannot tell which backend runs ${path}: expected a .onnx model, a TensorRT engine (${ENGINE_EXTENSIONS.join(', ')}) or a directory written by --save-outputs`);
}

export async function openModelBackend(path: string, options: BackendCliOptions, kind?: BackendKind): Promise<Backend> {
  switch (kind ?? (await backendKindOf(path))) {
    case 'onnxruntime':
      return OnnxBackend.open(path, {
        provider: options.onnxProvider ?? 'cpu',
        ...(options.threads === undefined ? {} : { threads: options.threads }),
        ...(options.onnxSpinning === undefined ? {} : { allowSpinning: options.onnxSpinning }),
      });
    case 'tensorrt':
      return TensorRtBackend.open(path, {
        device: options.device ?? 0,
        profile: options.profile ?? 0,
        plugins: options.plugins ?? [],
        allowHostCode: options.allowEngineHostCode ?? false,
        transfers: options.transfers ?? true,
        cudaGraph: options.cudaGraph ?? false,
      });
    case 'saved':
      throw new UsageError(`${path} is a saved run; this command needs a model (.onnx) or an engine`);
  }
}
