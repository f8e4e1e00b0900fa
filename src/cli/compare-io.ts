import { readFile } from 'node:fs/promises';
import type { Backend } from '../backends/backend.js';
import { InputError } from '../errors.js';
import { discoverImages } from '../image/discover.js';
import { loadImageTensor } from '../image/image-tensor.js';
import { imageInputSpec } from '../image/model-input.js';
import { IMAGENET_MEAN, IMAGENET_STD, validateNormalization, type ImageLayout } from '../image/preprocess.js';
import type { ResizeMode } from '../image/resize-plan.js';
import type { CompareIO, Recorder } from '../run/compare-run.js';
import { readNpy } from '../tensor/npy.js';
import { describeReadError } from '../read-error.js';
import type { Tensor, TensorInfo } from '../tensor/types.js';
import { backendKindOf, openModelBackend, type BackendCliOptions } from './backends.js';
import { SavedBackend } from '../backends/saved/saved-backend.js';
import { SavedRunWriter } from '../backends/saved/saved-writer.js';

/** The image options of compare/bench as commander hands them over. */
export interface ImageCliOptions {
  readonly mean?: [number, number, number];
  readonly std?: [number, number, number];
  readonly scale?: number;
  readonly bgr?: boolean;
  readonly layout?: ImageLayout;
  readonly resize?: ResizeMode;
  readonly maxPixels?: number;
}

export interface CompareCliOptions extends BackendCliOptions, ImageCliOptions {
  readonly saveInputs?: string;
  readonly saveOutputs?: string;
}

/** Decode and preprocess one image for one model input, honouring the CLI's image options. */
export async function loadImageForModel(path: string, input: TensorInfo, opts: ImageCliOptions): Promise<{ tensor: Tensor; preprocess: Record<string, unknown> }> {
  const modelSpec = imageInputSpec(input);
  const spec = opts.layout ? { ...modelSpec, layout: opts.layout } : modelSpec;
  const normalize = {
    ...(opts.mean ? { mean: opts.mean } : {}),
    ...(opts.std ? { std: opts.std } : {}),
    ...(opts.scale !== undefined ? { scale: opts.scale } : {}),
    ...(opts.bgr ? { channelOrder: 'bgr' as const } : {}),
  };
  const { tensor, image } = await loadImageTensor(path, spec, {
    resizeMode: opts.resize ?? 'stretch',
    ...(opts.maxPixels === undefined ? {} : { maxPixels: opts.maxPixels }),
    normalize,
  });
  return {
    tensor,
    preprocess: {
      input: input.name, layout: spec.layout, dtype: spec.dtype,
      size: spec.size === null ? 'image size (dynamic model H/W)' : `${spec.size.height}x${spec.size.width}`,
      resize: spec.size === null ? null : opts.resize ?? 'stretch',
      mean: opts.mean ?? 'imagenet', std: opts.std ?? 'imagenet', scale: opts.scale ?? '1/255 (division)',
      channelOrder: opts.bgr ? 'bgr' : 'rgb',
      example: { key: path, sourceSize: `${image.sourceWidth}x${image.sourceHeight}`, format: image.format },
    },
  };
}

/** The real I/O of `compare`: backends from paths, sharp for images, .npy files, saved-run writers. */
export async function createCompareIO(opts: CompareCliOptions): Promise<CompareIO> {
  // Checked here, once, before any backend loads: inside preprocess() a bad --std would fail every image.
  validateNormalization({ mean: opts.mean ?? IMAGENET_MEAN, std: opts.std ?? IMAGENET_STD, scale: opts.scale ?? 'div255' });
  let outputsRecorder: Recorder | null = null;
  let inputsRecorder: Recorder | null = null;
  const openBackend = async (path: string): Promise<Backend> => {
    const kind = await backendKindOf(path);
    return kind === 'saved' ? SavedBackend.open(path) : openModelBackend(path, { onnxSpinning: false, ...opts }, kind);
  };
  return {
    openBackend,
    discoverImages: (args) => discoverImages(args),
    loadImage: (path, input) => loadImageForModel(path, input, opts),
    readTensor: async (file) => {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(file);
      } catch (e) {
        throw new InputError(file, describeReadError(e), { cause: e });
      }
      return readNpy(bytes, file);
    },
    savedKeys: (backend) => (backend instanceof SavedBackend ? backend.listKeys() : null),
    savedInputDigest: (backend, key) => (backend instanceof SavedBackend ? backend.inputDigest(key) ?? null : null),
    get outputsRecorder() { return outputsRecorder; },
    get inputsRecorder() { return inputsRecorder; },
    async prepareRecorders(first: Backend) {
      if (opts.saveOutputs) outputsRecorder = await SavedRunWriter.create(opts.saveOutputs, { kind: 'outputs', backend: first.name, source: first.source, outputs: first.outputs });
      if (opts.saveInputs) inputsRecorder = await SavedRunWriter.create(opts.saveInputs, { kind: 'inputs', backend: first.name, source: first.source, outputs: first.inputs ?? [] });
    },
  };
}
