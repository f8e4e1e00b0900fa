/**
 * Match the outputs of two runs and compare each pair: numpy's verdict, the statistics, the
 * class agreement, and the non-finite check, into one OutputsComparison.
 *
 * Matching: outputs with the same name are paired by name. If names are left over on both
 * sides in equal numbers (typically every name differs, e.g. an engine that renamed its
 * bindings), the leftovers are paired by position in each side's order, with a warning naming
 * the pairs. Anything still unpaired is a failed OutputComparison with `problem` set (and a
 * warning): an output the engine does not produce is a parity failure, and reporting it only
 * as a warning would let a CI gate pass on an engine that breaks its consumers.
 */
import type { Tensor, TensorMap } from '../tensor/types.js';
import { formatShape, sameShape, volume } from '../tensor/shape.js';
import { incompatibility, resultOf } from './allclose.js';
import { classAgreement } from './class-agreement.js';
import { operandOf, type Operand } from './operand.js';
import { scanPairs, scanPlan } from './scan.js';
import { computeStats } from './stats.js';
import { resolveTolerance, unmatchedToleranceNames } from './tolerance.js';
import type {
  CompareOutputsOptions,
  NonFiniteCounts,
  OutputComparison,
  OutputsComparison,
  Tolerance,
  ToleranceSpec,
} from './types.js';

const NO_NON_FINITE: NonFiniteCounts = { nan: 0, posInf: 0, negInf: 0 };

function countNonFinite(op: Operand): NonFiniteCounts {
  let nan = 0, posInf = 0, negInf = 0;
  const v = op.values;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (x !== x) nan++;
    else if (x === Infinity) posInf++;
    else if (x === -Infinity) negInf++;
  }
  return { nan, posInf, negInf };
}

function hasNonFinite(c: NonFiniteCounts): boolean {
  return c.nan + c.posInf + c.negInf > 0;
}

function toleranceFor(spec: ToleranceSpec, firstName: string, secondName: string): Tolerance {
  return spec.perOutput.has(secondName) || !spec.perOutput.has(firstName)
    ? resolveTolerance(spec, secondName)
    : resolveTolerance(spec, firstName);
}

/** Compare one matched pair. */
function comparePair(
  firstName: string,
  secondName: string,
  matchedBy: 'name' | 'position',
  a: Tensor,
  b: Tensor,
  options: CompareOutputsOptions,
): OutputComparison {
  const tolerance = toleranceFor(options.tolerance, firstName, secondName);
  const notes: string[] = [];
  if (matchedBy === 'position') notes.push(`matched by position: ${firstName} → ${secondName}`);
  if (a.dtype !== b.dtype) notes.push(`dtypes differ: ${a.dtype} vs ${b.dtype}; compared after numpy's type promotion`);
  const base = {
    name: secondName,
    firstName,
    secondName,
    matchedBy,
    tolerance,
    firstDType: a.dtype,
    secondDType: b.dtype,
    firstShape: a.shape,
    secondShape: b.shape,
  };
  const opA = operandOf(a);
  const opB = operandOf(b);
  const problem = incompatibility(a, b);
  if (problem !== null) {
    const nonFinite = { first: countNonFinite(opA), second: countNonFinite(opB) };
    const total = Math.max(a.data.length, b.data.length);
    return {
      ...base, flattened: false, allclosePassed: false, mismatched: total, total, nonFinite,
      nonFiniteFailed: !options.allowNonFinite && (hasNonFinite(nonFinite.first) || hasNonFinite(nonFinite.second)),
      passed: false, stats: null, classes: null, problem, notes,
    };
  }
  const flattened = !sameShape(a.shape, b.shape);
  if (flattened) notes.push(`compared flattened: ${formatShape(a.shape)} vs ${formatShape(b.shape)}`);
  const plan = scanPlan(opA, opB, tolerance);
  const scan = scanPairs(opA, opB, tolerance, true);
  const verdict = resultOf(scan, flattened);
  const stats = computeStats(opA, opB, plan, scan, tolerance, flattened ? null : a.shape);
  // Rows only make sense when both sides agree on the class axis.
  const lastA = a.shape[a.shape.length - 1];
  const nonFinite = scan.nonFinite;
  // An argmax over NaN means nothing: all-NaN outputs showed "top-1 yes". No agreement is claimed then.
  const finite = !hasNonFinite(nonFinite.first) && !hasNonFinite(nonFinite.second);
  const classes = finite && (!flattened || (lastA !== undefined && lastA === b.shape[b.shape.length - 1]))
    ? classAgreement(opA, opB, a.shape)
    : null;
  const nonFiniteFailed = !options.allowNonFinite && (hasNonFinite(nonFinite.first) || hasNonFinite(nonFinite.second));
  return {
    ...base, flattened, allclosePassed: verdict.passed, mismatched: scan.mismatched, total: scan.total, nonFinite,
    nonFiniteFailed, passed: verdict.passed && !nonFiniteFailed, stats, classes, problem: null, notes,
  };
}

/** An output present on one side only: always a failure. */
function unpaired(name: string, t: Tensor, side: 'first' | 'second', options: CompareOutputsOptions): OutputComparison {
  const present = { dtype: t.dtype, shape: t.shape };
  const absent = { dtype: 'absent', shape: [] as number[] };
  const f = side === 'first' ? present : absent;
  const s = side === 'first' ? absent : present;
  const total = volume(t.shape);
  return {
    name, firstName: side === 'first' ? name : '', secondName: side === 'second' ? name : '', matchedBy: 'name',
    tolerance: resolveTolerance(options.tolerance, name),
    firstDType: f.dtype, secondDType: s.dtype, firstShape: f.shape, secondShape: s.shape,
    flattened: false, allclosePassed: false, mismatched: total, total,
    nonFinite: { first: NO_NON_FINITE, second: NO_NON_FINITE }, nonFiniteFailed: false,
    passed: false, stats: null, classes: null,
    problem: `output '${name}' is present only in the ${side} run`, notes: [],
  };
}

/**
 * Match `first` and `second` (see the module comment) and compare every pair.
 * Pure: no I/O; `warnings` carries everything the caller should tell the user.
 */
export function compareOutputs(first: TensorMap, second: TensorMap, options: CompareOutputsOptions): OutputsComparison {
  const outputs: OutputComparison[] = [];
  const warnings: string[] = [];
  const onlyFirst = [...first.keys()].filter((n) => !second.has(n));
  const onlySecond = [...second.keys()].filter((n) => !first.has(n));
  for (const [name, a] of first) {
    const b = second.get(name);
    if (b !== undefined) outputs.push(comparePair(name, name, 'name', a, b, options));
  }
  if (onlyFirst.length > 0 && onlyFirst.length === onlySecond.length) {
    const pairs = onlyFirst.map((n, i) => [n, onlySecond[i]!] as const);
    warnings.push(`output names differ; matched by position: ${pairs.map(([x, y]) => `${x}→${y}`).join(', ')}`);
    for (const [x, y] of pairs) outputs.push(comparePair(x, y, 'position', first.get(x)!, second.get(y)!, options));
  } else {
    for (const n of onlyFirst) {
      warnings.push(`output '${n}' is present only in the first run`);
      outputs.push(unpaired(n, first.get(n)!, 'first', options));
    }
    for (const n of onlySecond) {
      warnings.push(`output '${n}' is present only in the second run`);
      outputs.push(unpaired(n, second.get(n)!, 'second', options));
    }
  }
  const names = new Set<string>([...first.keys(), ...second.keys()]);
  for (const n of unmatchedToleranceNames(options.tolerance, names)) {
    warnings.push(`tolerance given for '${n}', which matches no output`);
  }
  return { outputs, warnings, passed: outputs.every((o) => o.passed) };
}
