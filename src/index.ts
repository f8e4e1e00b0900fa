/**
 * trt-parity as a library. The CLI is a client of exactly these functions.
 *
 *   import { compare, exitCodeOf } from 'trt-parity';
 *   const report = await compare({ first: 'model.onnx', second: 'model.engine', inputs: ['imgs/'] });
 *   if (exitCodeOf(report) !== 0) …
 */
export { compare, type CompareSpec, type RunHooks } from './app/compare.js';
export { bench, type BenchSpec, type BenchHooks } from './app/bench.js';
export { inspect } from './app/inspect.js';
export { doctor } from './app/doctor.js';
export type { BackendOptions } from './backends/registry.js';
export { exitCodeOf } from './exit-code.js';
export { compareOutputs } from './compare/compare-outputs.js';
export { parseToleranceSpec } from './compare/tolerance.js';
export type { OutputComparison, OutputStats, Tolerance, ToleranceSpec } from './compare/types.js';
export { DEFAULT_PREPROCESS_SPEC, resolvePreprocessSpec, type PreprocessSpec, type PreprocessSpecInput } from './image/preprocess-spec.js';
export type * from './report/model/index.js';
export { readNpy, writeNpy } from './tensor/npy.js';
export type { TaskRunSpec } from './tasks/run.js';
export type * from './tasks/types.js';
export { DEFAULT_MASK_THRESHOLD, DEFAULT_MATCH_IOU, DEFAULT_NMS } from './tasks/types.js';
export type { DType, Tensor, TensorMap, TensorInfo } from './tensor/types.js';
export { ExitCode, TrtParityError, UsageError, InputError, BackendError } from './errors.js';
export { renderCompareText } from './report/text.js';
export { toJson } from './report/json.js';
export { toJUnit } from './report/junit.js';
