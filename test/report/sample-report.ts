/**
 * Small compare reports built the way runCompare builds them (the real compare core on hand-made
 * tensors, then summarize), so the renderers are tested on data of the real shape.
 */
import { compareOutputs } from '../../src/compare/compare-outputs.js';
import { parseToleranceSpec } from '../../src/compare/tolerance.js';
import type { ToleranceSpec } from '../../src/compare/types.js';
import { COMPARE_SCHEMA_VERSION, summarize, type CompareReport, type ItemResult } from '../../src/report/model/compare.js';
import type { Tensor, TensorMap } from '../../src/tensor/types.js';

export const f32 = (values: readonly number[], shape: readonly number[] = [values.length]): Tensor =>
  ({ dtype: 'float32', shape, data: Float32Array.from(values) });

export const map = (entries: Record<string, Tensor>): TensorMap => new Map(Object.entries(entries));

export function compared(key: string, first: TensorMap, second: TensorMap,
  options: { tolerance?: ToleranceSpec; allowNonFinite?: boolean; timing?: ItemResult['timing'] } = {}): ItemResult {
  const r = compareOutputs(first, second, { tolerance: options.tolerance ?? parseToleranceSpec({}), allowNonFinite: options.allowNonFinite ?? false });
  return {
    key, path: `/imgs/${key}`, status: r.passed ? 'pass' : 'fail', outputs: r.outputs, warnings: r.warnings, error: null,
    timing: options.timing ?? { preprocessMs: 2, firstMs: 1, secondMs: 3 },
  };
}

export function errored(key: string, exitCode: number, message: string, hints: string[] = [], logs: string[] = []): ItemResult {
  return {
    key, path: `/imgs/${key}`, status: 'error', outputs: [], warnings: [], error: { reason: exitCode === 2 ? 'input' : 'run-failed', exitCode, message, hints, logs },
    timing: { preprocessMs: 0.5, firstMs: null, secondMs: null },
  };
}

export function report(items: ItemResult[], options: { tolerance?: ToleranceSpec; warnings?: string[]; skipped?: number; first?: string; second?: string } = {}): CompareReport {
  const tol = options.tolerance ?? parseToleranceSpec({});
  return {
    schema: 'trt-parity/compare',
    schemaVersion: COMPARE_SCHEMA_VERSION,
    tool: { name: 'trt-parity', version: '0.1.0' },
    first: { backend: 'onnxruntime', source: options.first ?? 'model.onnx', outputs: [{ name: 'logits', dtype: 'float32', shape: [1, 3] }] },
    second: { backend: 'tensorrt', source: options.second ?? 'model.engine', outputs: [{ name: 'logits', dtype: 'float32', shape: [1, 3] }] },
    settings: {
      tolerance: { default: tol.default, perOutput: Object.fromEntries(tol.perOutput) },
      allowNonFinite: false, failFast: false, preprocess: null,
    },
    items,
    warnings: options.warnings ?? [],
    summary: summarize(items, options.skipped ?? 0),
    durationMs: 1234.5,
  };
}

/** One passing and one failing input: logits [1,3], the failing one off by 0.5 at [0,2]. */
export function passFail(): CompareReport {
  return report([
    compared('a.jpg', map({ logits: f32([1, 2, 3], [1, 3]) }), map({ logits: f32([1, 2, 3], [1, 3]) })),
    compared('b.jpg', map({ logits: f32([1, 2, 3], [1, 3]) }), map({ logits: f32([1, 2, 3.5], [1, 3]) })),
  ]);
}
