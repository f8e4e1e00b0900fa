/**
 * Writer of the TensorRT double's engine format (test/doubles/trt-double/FORMAT.md).
 *
 * The double (a stand-in libnvinfer built from test/doubles/trt-double/) deserializes these bytes, so the
 * addon's unchanged TensorRT code can be driven on a GPU with engines whose contents a test controls:
 * tensors, profiles, dtypes, formats, the "built by" version in bytes 24–26, and which small computation
 * enqueueV3 runs. Pure: takes a spec, returns bytes.
 */

/** TensorRT DataType names; the on-disk code is the nvinfer1::DataType value. */
export type DoubleDType =
  | 'float32' | 'float16' | 'int8' | 'int32' | 'bool' | 'uint8' | 'fp8' | 'bfloat16' | 'int64' | 'int4' | 'fp4' | 'e8m0';

const DTYPE_CODES: Readonly<Record<DoubleDType, number>> = {
  float32: 0, float16: 1, int8: 2, int32: 3, bool: 4, uint8: 5, fp8: 6, bfloat16: 7, int64: 8, int4: 9, fp4: 10, e8m0: 11,
};

/** TensorRT TensorFormat names; the on-disk code is the nvinfer1::TensorFormat value. */
export type DoubleFormat =
  | 'LINEAR' | 'CHW2' | 'HWC8' | 'CHW4' | 'CHW16' | 'CHW32' | 'DHWC8' | 'CDHW32' | 'HWC' | 'DLA_LINEAR' | 'DLA_HWC4'
  | 'HWC16' | 'DHWC';

const FORMAT_CODES: Readonly<Record<DoubleFormat, number>> = {
  LINEAR: 0, CHW2: 1, HWC8: 2, CHW4: 3, CHW16: 4, CHW32: 5, DHWC8: 6, CDHW32: 7, HWC: 8, DLA_LINEAR: 9, DLA_HWC4: 10,
  HWC16: 11, DHWC: 12,
};

/** What enqueueV3 computes (FORMAT.md, "Computations"). */
export type DoubleComputation = 'affine' | 'affine-fp16' | 'scores-argmax' | 'nonzero' | 'reshape' | 'shape-of' | 'cache-update';

const COMPUTATION_CODES: Readonly<Record<DoubleComputation, number>> = {
  affine: 1, 'affine-fp16': 2, 'scores-argmax': 3, nonzero: 4, reshape: 5, 'shape-of': 6, 'cache-update': 7,
};

export interface DoubleProfile {
  readonly min: readonly number[];
  readonly opt: readonly number[];
  readonly max: readonly number[];
  /** Shape-tensor inputs only: the min/opt/max of the tensor's *values*. */
  readonly values?: { readonly min: readonly number[]; readonly opt: readonly number[]; readonly max: readonly number[] };
}

export interface DoubleTensorSpec {
  readonly name: string;
  readonly mode: 'input' | 'output';
  readonly dtype: DoubleDType;
  /** Engine shape; -1 for a runtime dimension. */
  readonly shape: readonly number[];
  /** Defaults to 'device'. */
  readonly location?: 'device' | 'host';
  /** Defaults to 'LINEAR'. The double describes any format but computes only LINEAR. */
  readonly format?: DoubleFormat;
  /** isShapeInferenceIO. Defaults to false. */
  readonly isShapeTensor?: boolean;
  /** Inputs: one per optimization profile (all inputs the same count). Outputs: none. */
  readonly profiles?: readonly DoubleProfile[];
  /** Outputs only: the input whose memory this output shares (getAliasedInputTensor). */
  readonly aliasOf?: string;
}

export interface DoubleEngineSpec {
  readonly computation: DoubleComputation;
  /** The "TensorRT version that built it", stored in bytes 24–26; the double refuses any but its own. */
  readonly trtVersion: readonly [number, number, number];
  /** The fourth part of that version (build number), byte 27. Defaults to 0. */
  readonly trtBuild?: number;
  /** Plan embeds host code: deserializing needs setEngineHostCodeAllowed(true). Defaults to false. */
  readonly needsHostCode?: boolean;
  /** Plan uses the plugin TrtDoubleNoop v1: deserializing needs its creator registered (libtrt_double_noop_plugin.so). */
  readonly needsPlugin?: boolean;
  /** getDeviceMemorySize[V2]. Defaults to 4096. */
  readonly deviceMemoryBytes?: number;
  /** I/O tensors in I/O order. */
  readonly tensors: readonly DoubleTensorSpec[];
  /** float32 constants, stored as float32 (affine: a[C] then b[C]; nonzero: [threshold]). */
  readonly constants?: readonly number[];
}

/** Byte offsets of the fixed 64-byte header (FORMAT.md, "Header"). */
export const DOUBLE_HEADER = {
  magic: 0, doubleTag: 4, formatVersion: 8, flags: 12, totalLength: 16, versionMajor: 24, versionMinor: 25, versionPatch: 26, versionBuild: 27,
  computation: 28, nbTensors: 32, nbProfiles: 36, deviceMemorySize: 40, nbConstants: 48, checksum: 52, size: 64,
} as const;

/** "ftrt", the magic of real TensorRT 8+ plans, then the double's own tag "TRTD". */
export const DOUBLE_MAGIC = 'ftrtTRTD';
export const DOUBLE_FORMAT_VERSION = 2;
const MAX_DIMS = 8;

/** FNV-1a 32-bit over `bytes`, the format's checksum of everything after the header. */
export function fnv1a32(bytes: Uint8Array): number {
  let h = 0x811c9dc5;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Growable little-endian byte sink. */
class Sink {
  private buf = new Uint8Array(256);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    next.set(this.buf);
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void { this.reserve(1); this.view.setUint8(this.length, v); this.length += 1; }
  u16(v: number): void { this.reserve(2); this.view.setUint16(this.length, v, true); this.length += 2; }
  u32(v: number): void { this.reserve(4); this.view.setUint32(this.length, v, true); this.length += 4; }
  i64(v: number): void { this.reserve(8); this.view.setBigInt64(this.length, BigInt(v), true); this.length += 8; }
  u64(v: number): void { this.reserve(8); this.view.setBigUint64(this.length, BigInt(v), true); this.length += 8; }
  f32(v: number): void { this.reserve(4); this.view.setFloat32(this.length, v, true); this.length += 4; }
  bytes(b: Uint8Array): void { this.reserve(b.length); this.buf.set(b, this.length); this.length += b.length; }
  pad4(): void { while (this.length % 4 !== 0) this.u8(0); }
  done(): Uint8Array { return this.buf.slice(0, this.length); }
}

function fail(msg: string): never {
  throw new RangeError(`writeDoubleEngine: ${msg}`);
}

function checkInts(what: string, v: readonly number[], min: number): void {
  for (const x of v) if (!Number.isSafeInteger(x) || x < min) fail(`${what} has ${x} (need integers >= ${min})`);
}

function volume(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Profile count: the same for every input, at least 1. */
function profileCount(spec: DoubleEngineSpec): number {
  const counts = new Set(spec.tensors.filter((t) => t.mode === 'input').map((t) => t.profiles?.length ?? 0));
  if (counts.size !== 1) fail('every input needs the same number of profiles');
  const [n] = counts;
  if (n === undefined || n < 1 || n > 16) fail(`profile count ${String(n)} (need 1..16)`);
  return n;
}

function writeTensor(s: Sink, t: DoubleTensorSpec, nbProfiles: number, inputs: readonly string[]): void {
  const name = new TextEncoder().encode(t.name);
  if (name.length < 1 || name.length > 4096 || t.name.includes('\0')) fail(`bad tensor name ${JSON.stringify(t.name)}`);
  if (t.shape.length > MAX_DIMS) fail(`tensor ${t.name} has rank ${t.shape.length} (max ${MAX_DIMS})`);
  checkInts(`tensor ${t.name} shape`, t.shape, -1);
  s.u32(name.length);
  s.bytes(name);
  s.pad4();
  s.u8(t.mode === 'input' ? 1 : 2);
  s.u8(DTYPE_CODES[t.dtype]);
  s.u8(t.location === 'host' ? 1 : 0);
  s.u8(FORMAT_CODES[t.format ?? 'LINEAR']);
  s.u8(t.isShapeTensor === true ? 1 : 0);
  s.u8(t.shape.length);
  if (t.aliasOf !== undefined && (t.mode !== 'output' || !inputs.includes(t.aliasOf))) fail(`tensor ${t.name} can only alias an input, not ${t.aliasOf}`);
  s.u16(t.aliasOf === undefined ? 0 : inputs.indexOf(t.aliasOf) + 1);
  for (const d of t.shape) s.i64(d);
  if (t.mode === 'output') {
    if ((t.profiles?.length ?? 0) !== 0) fail(`output ${t.name} cannot have profiles`);
    return;
  }
  for (const [i, p] of (t.profiles ?? []).entries()) {
    for (const v of [p.min, p.opt, p.max]) {
      if (v.length !== t.shape.length) fail(`tensor ${t.name} profile ${i} rank differs from its shape`);
      checkInts(`tensor ${t.name} profile ${i}`, v, 0);
    }
    for (const v of [p.min, p.opt, p.max]) for (const d of v) s.i64(d);
    if (t.isShapeTensor === true) {
      const n = volume(t.shape);
      if (p.values === undefined) fail(`shape tensor ${t.name} profile ${i} needs values`);
      for (const v of [p.values.min, p.values.opt, p.values.max]) {
        if (v.length !== n) fail(`shape tensor ${t.name} profile ${i} needs ${n} values`);
        checkInts(`tensor ${t.name} profile ${i} values`, v, Number.MIN_SAFE_INTEGER);
      }
      s.u32(n);
      s.u32(0);
      for (const v of [p.values.min, p.values.opt, p.values.max]) for (const d of v) s.i64(d);
    } else if (p.values !== undefined) {
      fail(`tensor ${t.name} has profile values but is not a shape tensor`);
    }
  }
  if ((t.profiles?.length ?? 0) !== nbProfiles) fail(`input ${t.name} needs ${nbProfiles} profiles`);
}

/**
 * Serializes `spec` in the double's engine format. Throws RangeError on a spec the format cannot hold;
 * it does not check what a computation needs from its tensors (the double does, at deserialization).
 */
export function writeDoubleEngine(spec: DoubleEngineSpec): Uint8Array {
  if (spec.tensors.length < 1 || spec.tensors.length > 64) fail(`tensor count ${spec.tensors.length} (need 1..64)`);
  checkInts('trtVersion', spec.trtVersion, 0);
  if (spec.trtVersion.some((v) => v > 255)) fail('trtVersion parts must fit a byte');
  const nbProfiles = profileCount(spec);
  const deviceMemory = spec.deviceMemoryBytes ?? 4096;
  checkInts('deviceMemoryBytes', [deviceMemory], 0);
  const constants = spec.constants ?? [];

  const body = new Sink();
  // alias = 1 + the aliased input's I/O index, among all tensors
  const byIndex = spec.tensors.map((t) => (t.mode === 'input' ? t.name : '\0'));
  for (const t of spec.tensors) writeTensor(body, t, nbProfiles, byIndex);
  for (const c of constants) body.f32(c);
  const payload = body.done();

  const head = new Sink();
  head.bytes(new TextEncoder().encode(DOUBLE_MAGIC));
  head.u32(DOUBLE_FORMAT_VERSION);
  head.u32((spec.needsHostCode === true ? 1 : 0) | (spec.needsPlugin === true ? 2 : 0));
  head.u64(DOUBLE_HEADER.size + payload.length);
  for (const v of spec.trtVersion) head.u8(v);
  const build = spec.trtBuild ?? 0;
  checkInts('trtBuild', [build], 0);
  if (build > 255) fail('trtBuild must fit a byte');
  head.u8(build);
  head.u32(COMPUTATION_CODES[spec.computation]);
  head.u32(spec.tensors.length);
  head.u32(nbProfiles);
  head.u64(deviceMemory);
  head.u32(constants.length);
  head.u32(fnv1a32(payload));
  head.u64(0);
  head.bytes(payload);
  return head.done();
}

// ---- presets ---------------------------------------------------------------------------------------------

/** Default a then b of the affine presets: exact in float32, so every writer stores identical bytes. */
export const DEFAULT_AFFINE = { a: [4.25, 4.5, 4.375], b: [-2.125, -2.0, -1.8125] } as const;

export interface AffinePresetOptions {
  readonly trtVersion: readonly [number, number, number];
  /** Per-channel scale and shift; C = a.length. To mirror an ONNX twin, pass its constants. */
  readonly a?: readonly number[];
  readonly b?: readonly number[];
  readonly inputName?: string;
  readonly outputName?: string;
  /** Profile of the [N, C, H, W] input; defaults to min [1,C,1,1], opt [1,C,224,224], max [8,C,512,512]. */
  readonly profiles?: readonly DoubleProfile[];
  readonly inputFormat?: DoubleFormat;
}

function affine(options: AffinePresetOptions, half: boolean): DoubleEngineSpec {
  const a = options.a ?? DEFAULT_AFFINE.a;
  const b = options.b ?? DEFAULT_AFFINE.b;
  if (a.length !== b.length || a.length === 0) fail('affine needs a and b of the same, non-zero length');
  const c = a.length;
  const profiles = options.profiles ?? [{ min: [1, c, 1, 1], opt: [1, c, 224, 224], max: [8, c, 512, 512] }];
  return {
    computation: half ? 'affine-fp16' : 'affine',
    trtVersion: options.trtVersion,
    tensors: [
      { name: options.inputName ?? 'input', mode: 'input', dtype: 'float32', shape: [-1, c, -1, -1], profiles,
        format: options.inputFormat ?? 'LINEAR' },
      { name: options.outputName ?? 'output', mode: 'output', dtype: half ? 'float16' : 'float32', shape: [-1, c, -1, -1] },
    ],
    constants: [...a, ...b],
  };
}

export interface IndexPresetOptions {
  readonly trtVersion: readonly [number, number, number];
  /** Defaults to int64, or int32 when trtVersion's major is below 10 (8.x has no INT64). */
  readonly indexType?: 'int32' | 'int64';
}

function indexType(o: IndexPresetOptions): 'int32' | 'int64' {
  return o.indexType ?? (o.trtVersion[0] >= 10 ? 'int64' : 'int32');
}

/** The five computations with the tensors, profiles and constants test/doubles/trt-double/smoke.cpp also writes. */
export const doublePresets = {
  /** y = x·a[c] + b[c] on float32 NCHW. */
  affine: (o: AffinePresetOptions): DoubleEngineSpec => affine(o, false),
  /** y16 = half(x·a[c] + b[c]). */
  affineFp16: (o: AffinePresetOptions): DoubleEngineSpec => affine(o, true),
  /** logits [-1,10] → scores (copy, float32) and index (argmax over the last axis). */
  scoresArgmax: (o: IndexPresetOptions): DoubleEngineSpec => ({
    computation: 'scores-argmax',
    trtVersion: o.trtVersion,
    tensors: [
      { name: 'logits', mode: 'input', dtype: 'float32', shape: [-1, 10], profiles: [{ min: [1, 10], opt: [4, 10], max: [64, 10] }] },
      { name: 'scores', mode: 'output', dtype: 'float32', shape: [-1, 10] },
      { name: 'index', mode: 'output', dtype: indexType(o), shape: [-1] },
    ],
  }),
  /** x [-1,-1] → indices [2, -1] of the elements > threshold (data-dependent shape, needs an IOutputAllocator). */
  nonzero: (o: IndexPresetOptions & { readonly threshold?: number }): DoubleEngineSpec => ({
    computation: 'nonzero',
    trtVersion: o.trtVersion,
    tensors: [
      { name: 'x', mode: 'input', dtype: 'float32', shape: [-1, -1], profiles: [{ min: [1, 1], opt: [4, 4], max: [64, 64] }] },
      { name: 'indices', mode: 'output', dtype: indexType(o), shape: [2, -1] },
    ],
    constants: [o.threshold ?? 0],
  }),
  /** data [-1] reshaped to the values of the host shape tensor `shape` [2]. */
  reshape: (o: IndexPresetOptions): DoubleEngineSpec => ({
    computation: 'reshape',
    trtVersion: o.trtVersion,
    tensors: [
      { name: 'data', mode: 'input', dtype: 'float32', shape: [-1], profiles: [{ min: [1], opt: [12], max: [1024] }] },
      {
        name: 'shape', mode: 'input', dtype: indexType(o), shape: [2], location: 'host', isShapeTensor: true,
        profiles: [{ min: [2], opt: [2], max: [2], values: { min: [1, 1], opt: [3, 4], max: [1024, 1024] } }],
      },
      { name: 'reshaped', mode: 'output', dtype: 'float32', shape: [-1, -1] },
    ],
  }),
  /** x [-1,3,-1] → y (copy) and dims: x's shape as a host shape-tensor output (markOutputForShapes), written by inferShapes. */
  shapeOf: (o: IndexPresetOptions): DoubleEngineSpec => ({
    computation: 'shape-of',
    trtVersion: o.trtVersion,
    tensors: [
      { name: 'x', mode: 'input', dtype: 'float32', shape: [-1, 3, -1], profiles: [{ min: [1, 3, 1], opt: [2, 3, 4], max: [16, 3, 64] }] },
      { name: 'y', mode: 'output', dtype: 'float32', shape: [-1, 3, -1] },
      { name: 'dims', mode: 'output', dtype: indexType(o), shape: [3], location: 'host', isShapeTensor: true },
    ],
  }),
  /**
   * cache [8,4] updated in place with update [-1,4] (its rows go to rows 0..K-1): the output aliases
   * the cache (getAliasedInputTensor, TensorRT 10.15+), so only a reader that binds it to the cache's
   * memory sees the untouched rows.
   */
  cacheUpdate: (o: { readonly trtVersion: readonly [number, number, number] }): DoubleEngineSpec => ({
    computation: 'cache-update',
    trtVersion: o.trtVersion,
    tensors: [
      { name: 'cache', mode: 'input', dtype: 'float32', shape: [8, 4], profiles: [{ min: [8, 4], opt: [8, 4], max: [8, 4] }] },
      { name: 'update', mode: 'input', dtype: 'float32', shape: [-1, 4], profiles: [{ min: [1, 4], opt: [2, 4], max: [8, 4] }] },
      { name: 'cache_out', mode: 'output', dtype: 'float32', shape: [8, 4], aliasOf: 'cache' },
    ],
  }),
} as const;

/** File names (without .engine) the build script and smoke.cpp use for each preset. */
export const PRESET_FILES = {
  affine: 'affine', affineFp16: 'affine-fp16', scoresArgmax: 'scores-argmax', nonzero: 'nonzero', reshape: 'reshape',
} as const;
