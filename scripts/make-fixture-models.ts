/**
 * Builds the small ONNX models under fixtures/models/ that the tests and demos run.
 *
 * Deterministic: every weight comes from one seeded PRNG drawn in a fixed order, and the
 * protobuf encoder writes fields in a fixed order, so running this twice gives identical bytes
 * (the README lists each file's sha256 to check that).
 *
 * Run: `npm run fixtures` (after `tsc -p .`). Needs the dev dependency onnx-proto (ONNX 1.10.2
 * schema, protobufjs 6): it is used here only, never at runtime.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';
import type { onnx as OnnxT } from 'onnx-proto';
import { floatToHalf } from '../src/tensor/dtype.js';
import { mulberry32 } from '../src/bench/random-input.js';

// onnx-proto is CommonJS: in real Node ESM a named import of `onnx` fails, so take it off the default export.
const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

const SEED = 20261125;
const OPSET = 13;
const IR_VERSION = 8;
const PRODUCER = 'trt-parity-fixtures';

/** The per-channel constants of affine.onnx (y = x·a + b); the README and the TensorRT test double repeat them. */
const AFFINE_A = [0.5, 1.7, -3.25] as const;
const AFFINE_B = [0.1, -0.2, 0.3] as const;

// ---------------------------------------------------------------------------------------------
// Deterministic numbers



class Rng {
  private readonly next: () => number;
  constructor(seed: number) { this.next = mulberry32(seed); }
  uniform(lo = 0, hi = 1): number { return lo + (hi - lo) * this.next(); }
  /** Box–Muller; 1 - u keeps log() away from 0. */
  normal(std = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  normals(n: number, std: number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = this.normal(std);
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Protobuf helpers

type DimSpec = number | string;

function valueInfo(name: string, elemType: number, dims: readonly DimSpec[]): OnnxT.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function f32Init(name: string, dims: readonly number[], values: Float32Array): OnnxT.ITensorProto {
  return { name, dims: [...dims], dataType: DT.FLOAT, rawData: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
}

function f16Init(name: string, dims: readonly number[], values: Float32Array): OnnxT.ITensorProto {
  const bits = Uint16Array.from(values, (v) => floatToHalf(v));
  return { name, dims: [...dims], dataType: DT.FLOAT16, rawData: new Uint8Array(bits.buffer) };
}

const ints = (name: string, v: readonly number[]): OnnxT.IAttributeProto => ({ name, type: AT.INTS, ints: [...v] });
const int = (name: string, v: number): OnnxT.IAttributeProto => ({ name, type: AT.INT, i: v });

function node(opType: string, input: string[], output: string[], attribute: OnnxT.IAttributeProto[] = []): OnnxT.INodeProto {
  return { opType, input, output, attribute, name: `${opType}_${output[0]}` };
}

interface GraphSpec {
  readonly name: string;
  readonly doc: string;
  readonly nodes: OnnxT.INodeProto[];
  readonly initializers: OnnxT.ITensorProto[];
  readonly inputs: OnnxT.IValueInfoProto[];
  readonly outputs: OnnxT.IValueInfoProto[];
}

function encodeModel(g: GraphSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    producerName: PRODUCER,
    producerVersion: '1',
    docString: g.doc,
    opsetImport: [{ domain: '', version: OPSET }],
    graph: { name: g.name, node: g.nodes, initializer: g.initializers, input: g.inputs, output: g.outputs },
  });
  const problem = onnx.ModelProto.verify(model);
  if (problem) throw new Error(`${g.name}: ${problem}`);
  return onnx.ModelProto.encode(model).finish();
}

// ---------------------------------------------------------------------------------------------
// The classifier's weights, and a plain forward pass used only to calibrate the last layer

interface ClassifierWeights {
  readonly w1: Float32Array; readonly b1: Float32Array; // [8,3,3,3], [8]
  readonly w2: Float32Array; readonly b2: Float32Array; // [16,8,3,3], [16]
  readonly w3: Float32Array; readonly b3: Float32Array; // [16,1000] (Gemm B, no transpose), [1000]
}

const C1 = 8;
const C2 = 16;
const CLASSES = 1000;

/** Conv 3×3, stride 2, pad 1, then ReLU; CHW float64 in and out. */
function convRelu(x: Float64Array, cin: number, h: number, w: number, wt: Float32Array, b: Float32Array, cout: number) {
  const oh = Math.floor((h + 2 - 3) / 2) + 1;
  const ow = Math.floor((w + 2 - 3) / 2) + 1;
  const y = new Float64Array(cout * oh * ow);
  for (let o = 0; o < cout; o++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let s = b[o]!;
        for (let c = 0; c < cin; c++) {
          for (let ki = 0; ki < 3; ki++) {
            const yi = i * 2 - 1 + ki;
            if (yi < 0 || yi >= h) continue;
            for (let kj = 0; kj < 3; kj++) {
              const xj = j * 2 - 1 + kj;
              if (xj < 0 || xj >= w) continue;
              s += wt[((o * cin + c) * 3 + ki) * 3 + kj]! * x[(c * h + yi) * w + xj]!;
            }
          }
        }
        y[(o * oh + i) * ow + j] = Math.max(0, s);
      }
    }
  }
  return { y, h: oh, w: ow };
}

function pooledFeatures(x: Float64Array, h: number, w: number, wt: Pick<ClassifierWeights, 'w1' | 'b1' | 'w2' | 'b2'>): Float64Array {
  const a = convRelu(x, 3, h, w, wt.w1, wt.b1, C1);
  const b = convRelu(a.y, C1, a.h, a.w, wt.w2, wt.b2, C2);
  const f = new Float64Array(C2);
  const area = b.h * b.w;
  for (let c = 0; c < C2; c++) {
    let s = 0;
    for (let k = 0; k < area; k++) s += b.y[c * area + k]!;
    f[c] = s / area;
  }
  return f;
}

/** A smooth, photo-like random image, ImageNet-normalised, CHW. */
function calibrationImage(rng: Rng, size: number): Float64Array {
  const mean = [0.485, 0.456, 0.406];
  const std = [0.229, 0.224, 0.225];
  const waves = Array.from({ length: 4 }, () => ({
    fx: rng.uniform(0.5, 6) / size, fy: rng.uniform(0.5, 6) / size, phase: rng.uniform(0, 2 * Math.PI),
    colour: [rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3), rng.uniform(-0.3, 0.3)],
  }));
  const base = [rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8), rng.uniform(0.2, 0.8)];
  const img = new Float64Array(3 * size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      for (let c = 0; c < 3; c++) {
        let v = base[c]!;
        for (const wv of waves) v += wv.colour[c]! * Math.sin(2 * Math.PI * (wv.fx * x + wv.fy * y) + wv.phase);
        v = Math.min(1, Math.max(0, v + rng.uniform(-0.03, 0.03)));
        img[(c * size + y) * size + x] = (v - mean[c]!) / std[c]!;
      }
    }
  }
  return img;
}

/**
 * Random conv filters, then a last layer that standardises the pooled features over a set of
 * photo-like images before mixing them: with raw ReLU features (all positive, sharing one big
 * common component) every image would land on the same class. Logits come out with a standard
 * deviation of about LOGIT_SCALE, so top-1 varies between images and is not a near-tie.
 */
function classifierWeights(): ClassifierWeights {
  const rng = new Rng(SEED);
  const w1 = rng.normals(C1 * 3 * 9, Math.sqrt(2 / 27));
  const b1 = rng.normals(C1, 0.05);
  const w2 = rng.normals(C2 * C1 * 9, Math.sqrt(2 / 72));
  const b2 = rng.normals(C2, 0.05);
  const mix = rng.normals(C2 * CLASSES, 1);
  const LOGIT_SCALE = 3 / Math.sqrt(C2);

  const calib = new Rng(SEED + 1);
  const feats = Array.from({ length: 12 }, () => pooledFeatures(calibrationImage(calib, 64), 64, 64, { w1, b1, w2, b2 }));
  const mu = new Float64Array(C2);
  const sd = new Float64Array(C2);
  for (let j = 0; j < C2; j++) {
    const vals = feats.map((f) => f[j]!);
    const m = vals.reduce((s, v) => s + v, 0) / vals.length;
    mu[j] = m;
    // Floor the spread: a feature that never varies must not be blown up into noise.
    sd[j] = Math.max(Math.sqrt(vals.reduce((s, v) => s + (v - m) ** 2, 0) / vals.length), 0.05);
  }
  const w3 = new Float32Array(C2 * CLASSES);
  const b3 = new Float32Array(CLASSES);
  for (let c = 0; c < CLASSES; c++) {
    let bias = 0;
    for (let j = 0; j < C2; j++) {
      const k = (mix[j * CLASSES + c]! * LOGIT_SCALE) / sd[j]!;
      w3[j * CLASSES + c] = k;
      bias -= mu[j]! * k;
    }
    b3[c] = bias;
  }
  return { w1, b1, w2, b2, w3, b3 };
}

// ---------------------------------------------------------------------------------------------
// The models

const conv3x3s2 = [ints('kernel_shape', [3, 3]), ints('strides', [2, 2]), ints('pads', [1, 1, 1, 1])];

function classifierGraph(name: string, inputDims: readonly DimSpec[], wt: ClassifierWeights, doc: string): GraphSpec {
  return {
    name,
    doc,
    nodes: [
      node('Conv', ['input', 'conv1.weight', 'conv1.bias'], ['conv1'], conv3x3s2),
      node('Relu', ['conv1'], ['relu1']),
      node('Conv', ['relu1', 'conv2.weight', 'conv2.bias'], ['conv2'], conv3x3s2),
      node('Relu', ['conv2'], ['relu2']),
      node('GlobalAveragePool', ['relu2'], ['pool']),
      node('Flatten', ['pool'], ['features'], [int('axis', 1)]),
      node('Gemm', ['features', 'fc.weight', 'fc.bias'], ['logits']),
    ],
    initializers: [
      f32Init('conv1.weight', [C1, 3, 3, 3], wt.w1), f32Init('conv1.bias', [C1], wt.b1),
      f32Init('conv2.weight', [C2, C1, 3, 3], wt.w2), f32Init('conv2.bias', [C2], wt.b2),
      f32Init('fc.weight', [C2, CLASSES], wt.w3), f32Init('fc.bias', [CLASSES], wt.b3),
    ],
    inputs: [valueInfo('input', DT.FLOAT, inputDims)],
    outputs: [valueInfo('logits', DT.FLOAT, [1, CLASSES])],
  };
}

/** The same network computed in float16 throughout: weights rounded to half, activations too. */
function classifierFp16Graph(wt: ClassifierWeights): GraphSpec {
  return {
    name: 'classifier_fp16',
    doc: 'classifier.onnx with float16 weights and float16 compute; float32 at the edges.',
    nodes: [
      node('Cast', ['input'], ['input16'], [int('to', DT.FLOAT16)]),
      node('Conv', ['input16', 'conv1.weight', 'conv1.bias'], ['conv1'], conv3x3s2),
      node('Relu', ['conv1'], ['relu1']),
      node('Conv', ['relu1', 'conv2.weight', 'conv2.bias'], ['conv2'], conv3x3s2),
      node('Relu', ['conv2'], ['relu2']),
      node('GlobalAveragePool', ['relu2'], ['pool']),
      node('Flatten', ['pool'], ['features'], [int('axis', 1)]),
      node('Gemm', ['features', 'fc.weight', 'fc.bias'], ['logits16']),
      node('Cast', ['logits16'], ['logits'], [int('to', DT.FLOAT)]),
    ],
    initializers: [
      f16Init('conv1.weight', [C1, 3, 3, 3], wt.w1), f16Init('conv1.bias', [C1], wt.b1),
      f16Init('conv2.weight', [C2, C1, 3, 3], wt.w2), f16Init('conv2.bias', [C2], wt.b2),
      f16Init('fc.weight', [C2, CLASSES], wt.w3), f16Init('fc.bias', [CLASSES], wt.b3),
    ],
    inputs: [valueInfo('input', DT.FLOAT, [1, 3, 224, 224])],
    outputs: [valueInfo('logits', DT.FLOAT, [1, CLASSES])],
  };
}

function twoOutputsGraph(): GraphSpec {
  const rng = new Rng(SEED + 2);
  return {
    name: 'two_outputs',
    doc: 'Global average pool, a 3→10 Gemm (scores), and its ArgMax (label): two outputs of different dtypes.',
    nodes: [
      node('GlobalAveragePool', ['input'], ['pool']),
      node('Flatten', ['pool'], ['features'], [int('axis', 1)]),
      node('Gemm', ['features', 'fc.weight', 'fc.bias'], ['scores']),
      node('ArgMax', ['scores'], ['label'], [int('axis', 1), int('keepdims', 0)]),
    ],
    initializers: [f32Init('fc.weight', [3, 10], rng.normals(30, 1)), f32Init('fc.bias', [10], rng.normals(10, 0.1))],
    inputs: [valueInfo('input', DT.FLOAT, [1, 3, 32, 32])],
    outputs: [valueInfo('scores', DT.FLOAT, [1, 10]), valueInfo('label', DT.INT64, [1])],
  };
}

function affineGraph(): GraphSpec {
  return {
    name: 'affine',
    doc: `y = x * a + b per channel, a = [${AFFINE_A.join(', ')}], b = [${AFFINE_B.join(', ')}] (as float32).`,
    nodes: [node('Mul', ['x', 'a'], ['ax']), node('Add', ['ax', 'b'], ['y'])],
    initializers: [f32Init('a', [1, 3, 1, 1], Float32Array.from(AFFINE_A)), f32Init('b', [1, 3, 1, 1], Float32Array.from(AFFINE_B))],
    inputs: [valueInfo('x', DT.FLOAT, [1, 3, 'h', 'w'])],
    outputs: [valueInfo('y', DT.FLOAT, [1, 3, 'h', 'w'])],
  };
}

/** Every tensor dtype onnxruntime-node can carry that trt-parity knows, as inputs and outputs. */
function dtypesGraph(): GraphSpec {
  return {
    name: 'dtypes',
    doc: 'Non-image inputs and one output per dtype: float16, bool, int32, int8, int64, uint8, float32.',
    nodes: [
      node('Cast', ['x'], ['half'], [int('to', DT.FLOAT16)]),
      node('Greater', ['x', 'zero'], ['positive']),
      node('Cast', ['x'], ['truncated'], [int('to', DT.INT32)]),
      node('Cast', ['x'], ['small'], [int('to', DT.INT8)]),
      node('Add', ['ids', 'ids'], ['ids_doubled']),
      node('Identity', ['mask'], ['mask_copy']),
      node('Add', ['h', 'h'], ['h_doubled']),
      node('Cast', ['mask'], ['mask_float'], [int('to', DT.FLOAT)]),
    ],
    initializers: [f32Init('zero', [], new Float32Array([0]))],
    inputs: [
      valueInfo('x', DT.FLOAT, [2, 3]),
      valueInfo('ids', DT.INT64, ['n']),
      valueInfo('mask', DT.UINT8, [2, 3]),
      valueInfo('h', DT.FLOAT16, [3]),
    ],
    outputs: [
      valueInfo('half', DT.FLOAT16, [2, 3]),
      valueInfo('positive', DT.BOOL, [2, 3]),
      valueInfo('truncated', DT.INT32, [2, 3]),
      valueInfo('small', DT.INT8, [2, 3]),
      valueInfo('ids_doubled', DT.INT64, ['n']),
      valueInfo('mask_copy', DT.UINT8, [2, 3]),
      valueInfo('h_doubled', DT.FLOAT16, [3]),
      valueInfo('mask_float', DT.FLOAT, [2, 3]),
    ],
  };
}

/** A model onnxruntime-node cannot load: its output is bfloat16, which the JS binding has no type for. */
function bfloat16Graph(): GraphSpec {
  return {
    name: 'bfloat16_output',
    doc: 'Cast float32 → bfloat16: loads in ONNX Runtime C++, but onnxruntime-node rejects the bfloat16 output.',
    nodes: [node('Cast', ['x'], ['y'], [int('to', DT.BFLOAT16)])],
    initializers: [],
    inputs: [valueInfo('x', DT.FLOAT, [4])],
    outputs: [valueInfo('y', DT.BFLOAT16, [4])],
  };
}

/** A chain of n×n MatMuls with no weights to store: slow enough (for its size) to time, tiny on disk. */
function slowMatmulGraph(steps: number): GraphSpec {
  const nodes: OnnxT.INodeProto[] = [];
  let prev = 'x';
  for (let i = 0; i < steps; i++) {
    const out = i === steps - 1 ? 'y' : `m${i}`;
    nodes.push(node('MatMul', [prev, 'x'], [out]));
    prev = out;
  }
  return {
    name: 'slow_matmul',
    doc: `y = x^${steps + 1} by ${steps} MatMuls; pick n to set the run time (n = 1024 is about ${steps * 2} GFLOP).`,
    nodes,
    initializers: [],
    inputs: [valueInfo('x', DT.FLOAT, ['n', 'n'])],
    outputs: [valueInfo('y', DT.FLOAT, ['n', 'n'])],
  };
}

// ---------------------------------------------------------------------------------------------
// Tiny detectors for task mode (--task detect): one backbone, three output layouts

const DET_SIZE = 128;
const DET_GRID = 16;
const DET_STRIDE = DET_SIZE / DET_GRID;
const DET_CLASSES = 3;
const DET_ANCHORS = DET_GRID * DET_GRID;
/** Boxes of the EfficientNMS-style model (its K). */
const DET_MAX_DETS = 100;

interface DetectorWeights {
  readonly w1: Float32Array; readonly b1: Float32Array; // [8,3,3,3]
  readonly w2: Float32Array; readonly b2: Float32Array; // [16,8,3,3]
  readonly w3: Float32Array; readonly b3: Float32Array; // [16,16,3,3]
  /** 1×1 head: 4 box + 1 objectness + DET_CLASSES class channels; the Ultralytics head drops objectness. */
  readonly wh: Float32Array; readonly bh: Float32Array;
}

function detectorWeights(): DetectorWeights {
  const rng = new Rng(SEED + 3);
  const hc = 5 + DET_CLASSES;
  const w1 = rng.normals(8 * 27, Math.sqrt(2 / 27));
  const b1 = rng.normals(8, 0.05);
  const w2 = rng.normals(16 * 8 * 9, Math.sqrt(2 / 72));
  const b2 = rng.normals(16, 0.05);
  const w3 = rng.normals(16 * 16 * 9, Math.sqrt(2 / 144));
  const b3 = rng.normals(16, 0.05);
  const wh = rng.normals(hc * 16, 1);
  // Box rows vary little (boxes of about 60 px that overlap their neighbours, so NMS has work);
  // class rows vary a lot (different cells favour different classes).
  for (let r = 0; r < hc; r++) {
    const row = wh.subarray(r * 16, r * 16 + 16);
    for (let j = 0; j < 16; j++) row[j]! *= r < 4 ? 0.12 : r === 4 ? 0.5 : 0.9;
    // ReLU features are all positive with one big common part: centring a class row removes
    // it, so that no class wins every cell.
    const mean = row.reduce((a, v) => a + v, 0) / 16;
    if (r >= 5) for (let j = 0; j < 16; j++) row[j]! -= mean;
  }
  // Class (and objectness) logits start well below 0, so that only some cells of a photo pass
  // conf 0.25: a few to a few dozen boxes per image, overlapping enough to exercise NMS.
  const bh = Float32Array.from({ length: hc }, (_, c) => (c < 4 ? 0 : c === 4 ? 0.5 : -3.6) + rng.normal(0.1));
  return { w1, b1, w2, b2, w3, b3, wh, bh };
}

/** Cell coordinates [1,2,G,G]: channel 0 = x, channel 1 = y. */
function detGrid(): Float32Array {
  const g = new Float32Array(2 * DET_ANCHORS);
  for (let y = 0; y < DET_GRID; y++) {
    for (let x = 0; x < DET_GRID; x++) {
      g[y * DET_GRID + x] = x;
      g[DET_ANCHORS + y * DET_GRID + x] = y;
    }
  }
  return g;
}

const i64Init = (name: string, dims: readonly number[], values: readonly number[]): OnnxT.ITensorProto =>
  ({ name, dims: [...dims], dataType: DT.INT64, int64Data: [...values] });

/**
 * The shared part: backbone, head, sigmoid, and box decoding in the model (as Ultralytics'
 * exported graphs do): cx, cy = (sigmoid + cell) · stride; w, h = sigmoid · 120 + 8 pixels.
 * Leaves `xy` [1,2,G,G], `wh` [1,2,G,G] and `cls` [1,nc,G,G] (plus `obj` [1,1,G,G] with objectness).
 */
function detectorTrunk(wt: DetectorWeights, withObjectness: boolean, fp16 = false) {
  const init = fp16 ? f16Init : f32Init;
  const hc = withObjectness ? 5 + DET_CLASSES : 4 + DET_CLASSES;
  // The Ultralytics head is the YOLOv5 head without its objectness row.
  const rows = withObjectness ? [0, 1, 2, 3, 4, 5, 6, 7] : [0, 1, 2, 3, 5, 6, 7];
  const wh = new Float32Array(hc * 16);
  const bh = new Float32Array(hc);
  rows.forEach((r, i) => { wh.set(wt.wh.subarray(r * 16, r * 16 + 16), i * 16); bh[i] = wt.bh[r]!; });
  const split = withObjectness ? [2, 2, 1, DET_CLASSES] : [2, 2, DET_CLASSES];
  const nodes = [
    ...(fp16 ? [node('Cast', ['images'], ['images16'], [int('to', DT.FLOAT16)])] : []),
    node('Conv', [fp16 ? 'images16' : 'images', 'conv1.weight', 'conv1.bias'], ['c1'], conv3x3s2), node('Relu', ['c1'], ['r1']),
    node('Conv', ['r1', 'conv2.weight', 'conv2.bias'], ['c2'], conv3x3s2), node('Relu', ['c2'], ['r2']),
    node('Conv', ['r2', 'conv3.weight', 'conv3.bias'], ['c3'], conv3x3s2), node('Relu', ['c3'], ['r3']),
    node('Conv', ['r3', 'head.weight', 'head.bias'], ['head'], [ints('kernel_shape', [1, 1])]),
    node('Sigmoid', ['head'], ['act']),
    node('Split', ['act', 'split'], withObjectness ? ['txy', 'twh', 'obj', 'cls'] : ['txy', 'twh', 'cls'], [int('axis', 1)]),
    node('Add', ['txy', 'grid'], ['cell']), node('Mul', ['cell', 'stride'], ['xy']),
    node('Mul', ['twh', 'wh_scale'], ['wh_scaled']), node('Add', ['wh_scaled', 'wh_min'], ['wh']),
  ];
  const initializers = [
    init('conv1.weight', [8, 3, 3, 3], wt.w1), init('conv1.bias', [8], wt.b1),
    init('conv2.weight', [16, 8, 3, 3], wt.w2), init('conv2.bias', [16], wt.b2),
    init('conv3.weight', [16, 16, 3, 3], wt.w3), init('conv3.bias', [16], wt.b3),
    init('head.weight', [hc, 16, 1, 1], wh), init('head.bias', [hc], bh),
    i64Init('split', [split.length], split),
    init('grid', [1, 2, DET_GRID, DET_GRID], detGrid()),
    init('stride', [], new Float32Array([DET_STRIDE])),
    init('wh_scale', [], new Float32Array([120])), init('wh_min', [], new Float32Array([8])),
  ];
  return { nodes, initializers, hc };
}

const detInput = () => [valueInfo('images', DT.FLOAT, [1, 3, DET_SIZE, DET_SIZE])];

/** Ultralytics YOLOv8/11 layout: output0 [1, 4+nc, N] = cx, cy, w, h, class scores. */
function detectorUltralyticsGraph(wt: DetectorWeights): GraphSpec {
  const t = detectorTrunk(wt, false);
  return {
    name: 'detector_ultralytics',
    doc: `Tiny detector, Ultralytics YOLOv8/11 output layout [1, 4+${DET_CLASSES}, ${DET_ANCHORS}] (xywh pixels, class scores); random weights.`,
    nodes: [...t.nodes, node('Concat', ['xy', 'wh', 'cls'], ['grid_out'], [int('axis', 1)]), node('Reshape', ['grid_out', 'out_shape'], ['output0'])],
    initializers: [...t.initializers, i64Init('out_shape', [3], [1, t.hc, DET_ANCHORS])],
    inputs: detInput(),
    outputs: [valueInfo('output0', DT.FLOAT, [1, t.hc, DET_ANCHORS])],
  };
}

/**
 * detector-ultralytics.onnx computed in float16 (weights rounded to half, float16 activations,
 * float32 at the edges): the "FP16 engine" of the detector, for task-mode demos and tests.
 */
function detectorUltralyticsFp16Graph(wt: DetectorWeights): GraphSpec {
  const t = detectorTrunk(wt, false, true);
  return {
    name: 'detector_ultralytics_fp16',
    doc: 'detector-ultralytics.onnx with float16 weights and float16 compute; float32 at the edges.',
    nodes: [
      ...t.nodes,
      node('Concat', ['xy', 'wh', 'cls'], ['grid_out'], [int('axis', 1)]), node('Reshape', ['grid_out', 'out_shape'], ['output16']),
      node('Cast', ['output16'], ['output0'], [int('to', DT.FLOAT)]),
    ],
    initializers: [...t.initializers, i64Init('out_shape', [3], [1, t.hc, DET_ANCHORS])],
    inputs: detInput(),
    outputs: [valueInfo('output0', DT.FLOAT, [1, t.hc, DET_ANCHORS])],
  };
}

/** YOLOv5 layout: output0 [1, N, 5+nc] = cx, cy, w, h, objectness, class scores. */
function detectorYolov5Graph(wt: DetectorWeights): GraphSpec {
  const t = detectorTrunk(wt, true);
  return {
    name: 'detector_yolov5',
    doc: `Tiny detector, YOLOv5 output layout [1, ${DET_ANCHORS}, 5+${DET_CLASSES}] (xywh pixels, objectness, class scores); random weights.`,
    nodes: [
      ...t.nodes,
      node('Concat', ['xy', 'wh', 'obj', 'cls'], ['grid_out'], [int('axis', 1)]),
      node('Reshape', ['grid_out', 'out_shape'], ['rows']),
      node('Transpose', ['rows'], ['output0'], [ints('perm', [0, 2, 1])]),
    ],
    initializers: [...t.initializers, i64Init('out_shape', [3], [1, t.hc, DET_ANCHORS])],
    inputs: detInput(),
    outputs: [valueInfo('output0', DT.FLOAT, [1, DET_ANCHORS, t.hc])],
  };
}

/**
 * The EfficientNMS_TRT plugin's outputs, built from standard ops so ONNX Runtime runs it:
 * NonMaxSuppression (per class, IoU 0.7, score 0.25), the survivors ordered by score and padded
 * to K = 100 (zeros), num_dets = how many are real.
 */
function detectorNmsGraph(wt: DetectorWeights): GraphSpec {
  const t = detectorTrunk(wt, false);
  const K = DET_MAX_DETS;
  return {
    name: 'detector_efficient_nms',
    doc: `Tiny detector with EfficientNMS-style outputs num_dets [1,1], det_boxes [1,${K},4] (x1,y1,x2,y2), det_scores [1,${K}], det_classes [1,${K}]; random weights.`,
    nodes: [
      ...t.nodes,
      node('Mul', ['wh', 'half'], ['half_wh']),
      node('Sub', ['xy', 'half_wh'], ['p1']), node('Add', ['xy', 'half_wh'], ['p2']),
      node('Concat', ['p1', 'p2'], ['corners'], [int('axis', 1)]),
      node('Reshape', ['corners', 'box_shape'], ['corners_flat']),
      node('Transpose', ['corners_flat'], ['boxes'], [ints('perm', [0, 2, 1])]),
      node('Reshape', ['cls', 'score_shape'], ['scores']),
      node('NonMaxSuppression', ['boxes', 'scores', 'max_per_class', 'iou_thr', 'score_thr'], ['sel']),
      node('Gather', ['sel', 'one'], ['sel_cls'], [int('axis', 1)]),
      node('Gather', ['sel', 'two'], ['sel_box'], [int('axis', 1)]),
      node('GatherND', ['scores', 'sel'], ['sel_scores']),
      node('Squeeze', ['boxes', 'axis0'], ['boxes0']),
      node('Gather', ['boxes0', 'sel_box'], ['sel_boxes'], [int('axis', 0)]),
      node('Concat', ['sel_scores', 'pad_scores'], ['all_scores'], [int('axis', 0)]),
      node('TopK', ['all_scores', 'k'], ['top_scores', 'top_idx'], [int('axis', 0)]),
      node('Concat', ['sel_boxes', 'pad_boxes'], ['all_boxes'], [int('axis', 0)]),
      node('Gather', ['all_boxes', 'top_idx'], ['top_boxes'], [int('axis', 0)]),
      node('Concat', ['sel_cls', 'pad_cls'], ['all_cls'], [int('axis', 0)]),
      node('Gather', ['all_cls', 'top_idx'], ['top_cls'], [int('axis', 0)]),
      node('Max', ['top_scores', 'zero_f'], ['top_scores0']),
      node('Unsqueeze', ['top_boxes', 'axis0'], ['det_boxes']),
      node('Unsqueeze', ['top_scores0', 'axis0'], ['det_scores']),
      node('Cast', ['top_cls'], ['top_cls32'], [int('to', DT.INT32)]),
      node('Unsqueeze', ['top_cls32', 'axis0'], ['det_classes']),
      node('Shape', ['sel'], ['sel_shape']),
      node('Gather', ['sel_shape', 'zero_i'], ['count'], [int('axis', 0)]),
      node('Min', ['count', 'k_scalar'], ['count_k']),
      node('Cast', ['count_k'], ['count32'], [int('to', DT.INT32)]),
      node('Reshape', ['count32', 'one_one'], ['num_dets']),
    ],
    initializers: [
      ...t.initializers,
      f32Init('half', [], new Float32Array([0.5])),
      i64Init('box_shape', [3], [1, 4, DET_ANCHORS]), i64Init('score_shape', [3], [1, DET_CLASSES, DET_ANCHORS]),
      i64Init('max_per_class', [1], [K]), f32Init('iou_thr', [1], new Float32Array([0.7])), f32Init('score_thr', [1], new Float32Array([0.25])),
      i64Init('one', [], [1]), i64Init('two', [], [2]), i64Init('zero_i', [], [0]), i64Init('axis0', [1], [0]),
      f32Init('pad_scores', [K], new Float32Array(K).fill(-1)), f32Init('pad_boxes', [K, 4], new Float32Array(4 * K)),
      i64Init('pad_cls', [K], new Array<number>(K).fill(0)), i64Init('k', [1], [K]), i64Init('k_scalar', [], [K]),
      f32Init('zero_f', [], new Float32Array([0])), i64Init('one_one', [2], [1, 1]),
    ],
    inputs: detInput(),
    outputs: [
      valueInfo('num_dets', DT.INT32, [1, 1]), valueInfo('det_boxes', DT.FLOAT, [1, K, 4]),
      valueInfo('det_scores', DT.FLOAT, [1, K]), valueInfo('det_classes', DT.INT32, [1, K]),
    ],
  };
}

/** All fixture models, file name → bytes. */
function buildFixtureModels(): Map<string, Uint8Array> {
  const wt = classifierWeights();
  const dw = detectorWeights();
  return new Map<string, Uint8Array>([
    ['classifier.onnx', encodeModel(classifierGraph('classifier', [1, 3, 224, 224], wt,
      'Tiny ImageNet-shaped classifier: 2 strided 3x3 convs, ReLU, global average pool, Gemm to 1000 logits.'))],
    ['classifier-dynamic.onnx', encodeModel(classifierGraph('classifier_dynamic', [1, 3, 'height', 'width'], wt,
      'classifier.onnx with dynamic height and width.'))],
    ['classifier-fp16.onnx', encodeModel(classifierFp16Graph(wt))],
    ['two-outputs.onnx', encodeModel(twoOutputsGraph())],
    ['affine.onnx', encodeModel(affineGraph())],
    ['dtypes.onnx', encodeModel(dtypesGraph())],
    ['bfloat16-output.onnx', encodeModel(bfloat16Graph())],
    ['slow-matmul.onnx', encodeModel(slowMatmulGraph(8))],
    ['detector-ultralytics.onnx', encodeModel(detectorUltralyticsGraph(dw))],
    ['detector-ultralytics-fp16.onnx', encodeModel(detectorUltralyticsFp16Graph(dw))],
    ['detector-yolov5.onnx', encodeModel(detectorYolov5Graph(dw))],
    ['detector-nms.onnx', encodeModel(detectorNmsGraph(dw))],
  ]);
}

function main(): void {
  // dist/scripts/ → repository root → fixtures/models, wherever npm is run from.
  const outDir = process.argv[2] ?? fileURLToPath(new URL('../../fixtures/models/', import.meta.url));
  mkdirSync(outDir, { recursive: true });
  for (const [file, bytes] of buildFixtureModels()) {
    writeFileSync(join(outDir, file), bytes);
    const sha = createHash('sha256').update(bytes).digest('hex');
    console.log(`${file.padEnd(24)} ${String(bytes.byteLength).padStart(7)} B  sha256:${sha}`);
  }
}

main();
