/**
 * A ResNet-18-shaped image classifier, generated for the folder benchmark: a model whose CPU
 * inference costs what a real classifier's does, so the tool's per-image overhead is measured
 * against a realistic denominator (the bundled fixtures/models/classifier.onnx runs in ~0.25 ms,
 * which makes any overhead look huge).
 *
 * Layout (torchvision resnet18 with batch norm folded into conv biases, widths scaled by
 * `widthScale`): Conv 7×7/2 → Relu → MaxPool 3×3/2 → 4 stages of `blocks` basic blocks
 * (Conv 3×3 → Relu → Conv 3×3 → Add shortcut → Relu; the first block of stages 2–4 has stride 2
 * and a 1×1/2 projection shortcut) → GlobalAveragePool → Flatten → Gemm → `logits` [1,1000].
 *
 * Weights are He-normal from a seeded mulberry32, the last conv of each residual branch scaled
 * by 0.5 so activations stay in a sane range through 8 blocks; it classifies nothing real. Not
 * committed: the benchmark writes it to a temporary directory on every run.
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxT } from 'onnx-proto';
import { mulberry32 } from '../../src/bench/random-input.js';

// onnx-proto is CommonJS: in Node ESM a named import of `onnx` fails (see scripts/make-fixture-models.ts).
const { onnx } = onnxProto;
const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

export interface ResnetOptions {
  /** Channel widths are round(64·2^stage·widthScale); 1 is resnet18's 64/128/256/512. */
  readonly widthScale: number;
  /** Basic blocks per stage; resnet18 has [2,2,2,2]. */
  readonly blocks: readonly [number, number, number, number];
  /** Square input side. */
  readonly size: number;
  readonly classes: number;
  readonly seed: number;
}

/** resnet18's own shape at 224×224: 1.81 GMAC, 11.7 M parameters; ~35 ms on one ORT CPU thread on the 2-core dev machine. */
export const DEFAULT_RESNET: ResnetOptions = { widthScale: 1, blocks: [2, 2, 2, 2], size: 224, classes: 1000, seed: 20261126 };

export interface ResnetModel {
  readonly bytes: Uint8Array;
  /** Multiply–accumulates of one forward pass (convolutions and the Gemm). */
  readonly macs: number;
  readonly parameters: number;
  readonly description: string;
}

/** Build and encode the model (ONNX IR 8, opset 13). Deterministic for given options. */
export function buildResnet(options: ResnetOptions = DEFAULT_RESNET): ResnetModel {
  const next = mulberry32(options.seed);
  const normal = (std: number): number => {
    const u = 1 - next();
    const v = next();
    return std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
  const nodes: OnnxT.INodeProto[] = [];
  const inits: OnnxT.ITensorProto[] = [];
  let macs = 0;
  let parameters = 0;
  let nameCount = 0;
  const fresh = (p: string): string => `${p}_${nameCount++}`;

  const tensor = (name: string, dims: number[], gen: (i: number) => number): string => {
    const n = dims.reduce((a, b) => a * b, 1);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = gen(i);
    inits.push({ name, dims, dataType: DT.FLOAT, rawData: new Uint8Array(values.buffer) });
    parameters += n;
    return name;
  };

  /** Conv (batch norm folded into its bias), spatial side `side` in, returns the output name and side. */
  const conv = (x: string, cin: number, cout: number, k: number, stride: number, side: number, gain = 1): { y: string; side: number } => {
    const pad = (k - 1) >> 1;
    const out = Math.floor((side + 2 * pad - k) / stride) + 1;
    const std = gain * Math.sqrt(2 / (cin * k * k));
    const w = tensor(fresh('w'), [cout, cin, k, k], () => normal(std));
    const b = tensor(fresh('b'), [cout], () => normal(0.01));
    const y = fresh('conv');
    nodes.push({
      opType: 'Conv', name: y, input: [x, w, b], output: [y],
      attribute: [
        { name: 'kernel_shape', type: AT.INTS, ints: [k, k] },
        { name: 'strides', type: AT.INTS, ints: [stride, stride] },
        { name: 'pads', type: AT.INTS, ints: [pad, pad, pad, pad] },
      ],
    });
    macs += cout * cin * k * k * out * out;
    return { y, side: out };
  };
  const op = (opType: string, input: string[], attribute: OnnxT.IAttributeProto[] = []): string => {
    const y = fresh(opType.toLowerCase());
    nodes.push({ opType, name: y, input, output: [y], attribute });
    return y;
  };

  const widths = [0, 1, 2, 3].map((s) => Math.max(1, Math.round(64 * 2 ** s * options.widthScale)));
  let c = widths[0]!;
  let { y: x, side } = conv('input', 3, c, 7, 2, options.size);
  x = op('Relu', [x]);
  x = op('MaxPool', [x], [
    { name: 'kernel_shape', type: AT.INTS, ints: [3, 3] },
    { name: 'strides', type: AT.INTS, ints: [2, 2] },
    { name: 'pads', type: AT.INTS, ints: [1, 1, 1, 1] },
  ]);
  side = Math.floor((side + 2 - 3) / 2) + 1;
  for (let s = 0; s < 4; s++) {
    const w = widths[s]!;
    for (let blk = 0; blk < options.blocks[s]!; blk++) {
      const stride = s > 0 && blk === 0 ? 2 : 1;
      const a = conv(x, c, w, 3, stride, side);
      const r = op('Relu', [a.y]);
      const b = conv(r, w, w, 3, 1, a.side, 0.5);
      const shortcut = stride !== 1 || c !== w ? conv(x, c, w, 1, stride, side).y : x;
      x = op('Relu', [op('Add', [b.y, shortcut])]);
      side = a.side;
      c = w;
    }
  }
  x = op('Flatten', [op('GlobalAveragePool', [x])], [{ name: 'axis', type: AT.INT, i: 1 }]);
  const fcW = tensor('fc.weight', [c, options.classes], () => normal(Math.sqrt(1 / c)));
  const fcB = tensor('fc.bias', [options.classes], () => normal(0.01));
  nodes.push({ opType: 'Gemm', name: 'fc', input: [x, fcW, fcB], output: ['logits'], attribute: [] });
  macs += c * options.classes;

  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'trt-parity-bench',
    producerVersion: '1',
    docString: 'ResNet-18-shaped classifier with random weights, for benchmarks/folder (not a real classifier)',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'resnet-bench',
      node: nodes,
      initializer: inits,
      input: [valueInfo('input', [1, 3, options.size, options.size])],
      output: [valueInfo('logits', [1, options.classes])],
    },
  });
  const problem = onnx.ModelProto.verify(model);
  if (problem) throw new Error(`resnet-bench: ${problem}`);
  const description = `ResNet-18-shaped, widths ${widths.join('/')}, blocks ${options.blocks.join('/')}, ${options.size}x${options.size} -> ${options.classes}`;
  return { bytes: onnx.ModelProto.encode(model).finish(), macs, parameters, description };
}

function valueInfo(name: string, dims: number[]): OnnxT.IValueInfoProto {
  return { name, type: { tensorType: { elemType: DT.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } };
}
