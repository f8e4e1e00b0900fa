/**
 * In-memory stand-ins for the orchestrator's outside world: backends that answer from a table and
 * an IO that serves "images" from a map, recording every call so tests can check what ran.
 */
import type { Backend, Replay, RunResult } from '../../src/backends/backend.js';
import type { CompareIO, Recorder } from '../../src/app/compare-run.js';
import type { DiscoveredImage } from '../../src/image/discover.js';
import type { PreprocessRecord } from '../../src/report/model/compare.js';
import type { Tensor, TensorInfo, TensorMap } from '../../src/tensor/types.js';

export const f32 = (values: readonly number[], shape: readonly number[] = [values.length]): Tensor =>
  ({ dtype: 'float32', shape, data: Float32Array.from(values) });

export const outputs = (entries: Record<string, Tensor>): TensorMap => new Map(Object.entries(entries));

/** A preprocessing record as the real loader writes one, naming the input and the image. */
export function preprocessRecord(input: string, key: string): PreprocessRecord {
  return {
    input, layout: 'nchw', dtype: 'float32', size: '1x3', resize: 'stretch', pipeline: 'fake', mean: [0, 0, 0], std: [1, 1, 1],
    scale: '1/255 (division)', channelOrder: 'rgb', example: { key, sourceSize: '3x1', format: 'fake' },
  };
}

export interface FakeBackend extends Backend {
  /** Every run call: the key and the feed names it received. */
  readonly calls: { key: string; feeds: TensorMap }[];
  disposed: boolean;
}

/**
 * A backend whose `run` answers `answer(key, feeds)`; throwing from `answer` is a failed inference.
 */
export function fakeBackend(
  source: string,
  inputs: readonly TensorInfo[] | null,
  answer: (key: string, feeds: TensorMap) => TensorMap,
  name = 'fake-runtime',
): FakeBackend {
  const calls: { key: string; feeds: TensorMap }[] = [];
  return {
    name, source, inputs, outputs: [{ name: 'logits', dtype: 'float32', shape: [3] }], calls, disposed: false,
    async run(feeds: TensorMap, key: string): Promise<RunResult> {
      calls.push({ key, feeds });
      return { outputs: answer(key, feeds), timing: { wallMs: 1 } };
    },
    async dispose() { this.disposed = true; },
  };
}

export interface FakeReplay extends FakeBackend, Replay {}

/**
 * A replay of saved outputs: answers by key like `fakeBackend`, lists `keys`, and reports the input
 * digest recorded for each key in `digests` (undefined for the others).
 */
export function fakeReplay(source: string, keys: readonly string[], answer: (key: string, feeds: TensorMap) => TensorMap, digests: Record<string, string> = {}, inputs: readonly TensorInfo[] | null = null): FakeReplay {
  return Object.assign(fakeBackend(source, inputs, answer, 'fake-replay'), {
    listKeys: () => keys,
    inputDigest: (key: string) => digests[key],
  });
}

export interface RecordingRecorder extends Recorder {
  readonly added: { key: string; tensors: TensorMap; inputs: TensorMap }[];
  closed: number;
}

export function recorder(): RecordingRecorder {
  const added: { key: string; tensors: TensorMap; inputs: TensorMap }[] = [];
  return {
    added, closed: 0,
    async add(key, tensors, inputs) { added.push({ key, tensors, inputs }); },
    async close() { this.closed += 1; },
  };
}

export interface FakeIOSpec {
  readonly backends: Record<string, Backend>;
  /** Discovered images, in order. */
  readonly images?: readonly DiscoveredImage[];
  /** path → tensor, or an Error to throw when loading it. */
  readonly pixels?: Record<string, Tensor | Error>;
  readonly tensors?: Record<string, Tensor>;
  readonly outputsRecorder?: Recorder | null;
  readonly inputsRecorder?: Recorder | null;
}

export interface FakeIO extends CompareIO {
  readonly loaded: string[];
  readonly readTensors: string[];
  preparedWith: Backend | null;
}

export function fakeIO(spec: FakeIOSpec): FakeIO {
  const loaded: string[] = [];
  const readTensors: string[] = [];
  const io: FakeIO = {
    loaded, readTensors, preparedWith: null,
    async openBackend(path) {
      const b = spec.backends[path];
      if (!b) throw new Error(`test bug: no fake backend for ${path}`);
      return b;
    },
    async discoverImages() { return [...(spec.images ?? [])]; },
    async loadImage(path, input) {
      loaded.push(path);
      const t = spec.pixels?.[path];
      if (t === undefined) throw new Error(`test bug: no pixels for ${path}`);
      if (t instanceof Error) throw t;
      return { tensor: t, preprocess: preprocessRecord(input.name, path) };
    },
    async readTensor(path) {
      readTensors.push(path);
      const t = spec.tensors?.[path];
      if (!t) throw new Error(`test bug: no tensor for ${path}`);
      return t;
    },
    outputsRecorder: spec.outputsRecorder ?? null,
    inputsRecorder: spec.inputsRecorder ?? null,
    async prepareRecorders(first) { io.preparedWith = first; },
  };
  return io;
}
