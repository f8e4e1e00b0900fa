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

/** All fixture models, file name → bytes. */
function buildFixtureModels(): Map<string, Uint8Array> {
  const wt = classifierWeights();
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
