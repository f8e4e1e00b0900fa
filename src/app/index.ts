/** The application layer: one function per command, each taking a typed spec and returning a report model. */
export { compare, type CompareSpec, type RunHooks } from './compare.js';
export { bench, type BenchSpec, type BenchHooks, splitBenchArguments } from './bench.js';
export { inspect } from './inspect.js';
export { doctor } from './doctor.js';
