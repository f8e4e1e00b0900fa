/**
 * What comparing one output of two backends produces. Pure data: the renderers, the JSON
 * schema and the exit code are all derived from it.
 *
 * "first" and "second" follow the command line; the second is the reference in the rtol term,
 * exactly as numpy.testing.assert_allclose(actual=first, desired=second).
 */
export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

/** Per-output tolerances: `default` applies to every output not named in `perOutput`. */
export interface ToleranceSpec {
  readonly default: Tolerance;
  readonly perOutput: ReadonlyMap<string, Partial<Tolerance>>;
}

export interface NonFiniteCounts {
  readonly nan: number;
  readonly posInf: number;
  readonly negInf: number;
}

export interface ElementRef {
  /** Coordinates in the first output's shape (or the flat index, as a one-element array, when compared flattened). */
  readonly index: readonly number[];
  readonly first: number;
  readonly second: number;
  readonly absDiff: number;
}

export interface OutputStats {
  /** Over all finite, comparable elements (numpy: max(abs(first - second))). */
  readonly maxAbs: number;
  /** numpy: max(abs(first - second)[second != 0] / abs(second[second != 0])); Infinity when every second element is 0 and some differ, 0 when all equal. */
  readonly maxRel: number;
  /** The same two figures restricted to the elements that violate the rule (numpy >= 2 reports these); null when none violate. */
  readonly maxAbsViolations: number | null;
  readonly maxRelViolations: number | null;
  readonly meanAbs: number;
  /** 99th percentile of abs difference, numpy's default 'linear' method. */
  readonly p99Abs: number;
  /** The element with the largest abs difference (first occurrence), or null for empty outputs. */
  readonly worst: ElementRef | null;
  /** Smallest atol that would pass at the given rtol (0 when no atol is needed); Infinity when no finite atol passes (e.g. NaN vs number). */
  readonly minAtol: number;
  /** Smallest rtol that would pass at the given atol; Infinity when no rtol passes (e.g. second is 0 and |diff| > atol). */
  readonly minRtol: number;
  /** Cosine similarity of the two outputs as flat vectors (float64); null when either has zero norm or non-finite values. */
  readonly cosine: number | null;
}

export interface ClassAgreement {
  /** Rows = product of all axes but the last. */
  readonly rows: number;
  /** Number of rows whose argmax agrees. */
  readonly top1Agree: number;
  /** Mean over rows of |top5(first) ∩ top5(second)| / k, with k = min(5, classes). */
  readonly top5Overlap: number;
  readonly k: number;
}

export interface OutputComparison {
  /** Name used in reports: the second's name when matched by name, "first→second" style is in firstName/secondName. */
  readonly name: string;
  readonly firstName: string;
  readonly secondName: string;
  readonly matchedBy: 'name' | 'position';
  readonly tolerance: Tolerance;
  readonly firstDType: string;
  readonly secondDType: string;
  readonly firstShape: readonly number[];
  readonly secondShape: readonly number[];
  /** True when shapes differ but element counts agree, so the outputs were compared flattened. */
  readonly flattened: boolean;
  /** The numpy assert_allclose verdict (shape check included). */
  readonly allclosePassed: boolean;
  /** Elements failing the rule (NaN/inf position mismatches included), out of `total`. */
  readonly mismatched: number;
  readonly total: number;
  readonly nonFinite: { readonly first: NonFiniteCounts; readonly second: NonFiniteCounts };
  /** True when either output holds NaN/Inf and --allow-nonfinite was not given. Reported apart from allclose. */
  readonly nonFiniteFailed: boolean;
  /** Overall verdict for this output: allclosePassed && !nonFiniteFailed && no incompatibility. */
  readonly passed: boolean;
  /** Null when the outputs could not be compared element-wise (incompatible shapes or dtypes); see `problem`. */
  readonly stats: OutputStats | null;
  readonly classes: ClassAgreement | null;
  /** Set when the outputs could not be compared at all: e.g. "shape mismatch: [1,1000] vs [1,10]". */
  readonly problem: string | null;
  /** Human notes, e.g. "compared flattened: [1,1000] vs [1000]" or "matched by position". */
  readonly notes: readonly string[];
}

export interface CompareOutputsOptions {
  readonly tolerance: ToleranceSpec;
  readonly allowNonFinite: boolean;
}

/** Result of matching and comparing all outputs of one input. */
export interface OutputsComparison {
  readonly outputs: readonly OutputComparison[];
  /** Warnings such as "output names differ; matched by position: a→x, b→y", or outputs present on only one side. */
  readonly warnings: readonly string[];
  readonly passed: boolean;
}
