/** The report of `trt-parity compare` (JSON: `compare --json`), and its summary. Pure. */
import type { OutputComparison, Tolerance } from '../../compare/types.js';
import { ExitCode } from '../../errors.js';
import type { TensorInfo } from '../../tensor/types.js';
import type { TaskItem, TaskReport, VerdictSummary } from '../../tasks/types.js';
import type { ItemError, ToolInfo } from './common.js';

/** Version of the JSON written by `compare --json`. Bump on any incompatible change; additions keep it. */
export const COMPARE_SCHEMA_VERSION = 1;

export interface BackendSummary {
  /** The backend's name, as the registry knows it. */
  readonly backend: string;
  readonly source: string;
  readonly outputs: readonly TensorInfo[];
}

export interface ItemTiming {
  readonly preprocessMs: number;
  readonly firstMs: number | null;
  readonly secondMs: number | null;
}

/** One input (an image, a raw tensor, or a saved key) run through both backends. */
export interface ItemResult {
  readonly key: string;
  /** The image file, or null for saved-run keys and raw --input tensors. */
  readonly path: string | null;
  readonly status: 'pass' | 'fail' | 'error';
  readonly outputs: readonly OutputComparison[];
  readonly warnings: readonly string[];
  readonly error: ItemError | null;
  readonly timing: ItemTiming;
  /** Task-level figures of this input (--task); absent without task mode, null when none applied. */
  readonly task?: TaskItem | null;
}

export interface OutputSummary {
  readonly name: string;
  readonly items: number;
  readonly failed: number;
  readonly mismatched: number;
  readonly total: number;
  readonly maxAbs: number;
  readonly maxRel: number;
  /** Smallest atol / rtol that would make every item pass (max over items). */
  readonly minAtol: number;
  readonly minRtol: number;
  readonly nonFiniteItems: number;
  readonly top1Agree: number | null;
  readonly top1Rows: number | null;
}

export interface CompareSummary {
  readonly items: number;
  readonly passed: number;
  readonly failed: number;
  readonly errors: number;
  /** Items not run because --fail-fast stopped early. */
  readonly skipped: number;
  readonly outputs: readonly OutputSummary[];
  readonly exitCode: number;
  /** Which verdict decided exitCode (--verdict), with both verdicts; absent without task mode. */
  readonly verdict?: VerdictSummary;
}

export interface CompareSettings {
  readonly tolerance: { readonly default: Tolerance; readonly perOutput: Readonly<Record<string, Partial<Tolerance>>> };
  readonly allowNonFinite: boolean;
  readonly failFast: boolean;
  /** How images became tensors, for the record; null when no image was read. */
  readonly preprocess: PreprocessRecord | null;
}

/** How images became tensors: the resolved preprocessing and the model input it fed, with one example. */
export interface PreprocessRecord {
  /** The model input fed from images. */
  readonly input: string;
  readonly layout: string;
  readonly dtype: string;
  /** "224x224", or "image size (dynamic model H/W)". */
  readonly size: string;
  /** How a static H×W was reached; null when the model takes any size. */
  readonly resize: string | null;
  /** The preprocessing pipeline whose Python code the tensors reproduce. */
  readonly pipeline: string;
  /** Per channel of the tensor (after any BGR swap). */
  readonly mean: readonly number[];
  readonly std: readonly number[];
  readonly scale: number | '1/255 (division)';
  readonly channelOrder: 'rgb' | 'bgr';
  /** The first image read: its key, stored size and format. */
  readonly example: { readonly key: string; readonly sourceSize: string; readonly format: string };
  /** Things the pipeline could not reproduce exactly for some image; empty when none. */
  readonly notes?: readonly string[];
}

export interface CompareReport {
  readonly schema: 'trt-parity/compare';
  readonly schemaVersion: typeof COMPARE_SCHEMA_VERSION;
  readonly tool: ToolInfo;
  readonly first: BackendSummary;
  readonly second: BackendSummary;
  readonly settings: CompareSettings;
  /** Present when the run took one shard of its inputs (`--shard i/n`). */
  readonly shard?: ShardRecord;
  readonly items: readonly ItemResult[];
  readonly warnings: readonly string[];
  readonly summary: CompareSummary;
  /** True when a signal stopped the run early (the summary then counts what ran). */
  readonly interrupted?: boolean;
  /** The signal that stopped it, or null. */
  readonly interruptedBy?: 'SIGINT' | 'SIGTERM' | null;
  /** The saved-run directories this run wrote (--save-outputs, --save-inputs), with what they hold. */
  readonly saved?: readonly SavedRecord[];
  readonly durationMs: number;
  /** Task-level agreement over the run (--task); absent without task mode. */
  readonly task?: TaskReport;
}

/** One of n CI jobs' part of a run (`--shard i/n`), as the report records it. */
export interface ShardRecord {
  /** 1-based. */
  readonly index: number;
  readonly count: number;
  /** Inputs of the whole run (before the split), so that merge can tell when a shard is missing. */
  readonly inputsInRun: number;
  /** How inputs were assigned, for the record. */
  readonly rule: 'sha256(key) mod count';
}

/** One saved-run directory written by the run. */
export interface SavedRecord {
  readonly kind: 'outputs' | 'inputs';
  readonly dir: string;
  /** Entries its manifest lists after this run. */
  readonly entries: number;
  /** Entries this run replaced. */
  readonly replaced: number;
  /** "saved outputs of 12 inputs in DIR", "12 entries replaced in DIR: --mean differs", ... */
  readonly notes: readonly string[];
}

/** The exit code a set of items earns: the highest seen (error 2/3 over mismatch 1 over pass 0). */
function exitCodeFor(items: readonly ItemResult[]): number {
  let code = 0;
  for (const item of items) {
    const c = item.status === 'error' ? (item.error?.exitCode ?? 3) : item.status === 'fail' ? 1 : 0;
    if (c > code) code = c;
  }
  return code;
}

/** Aggregates per-output figures over all items that compared that output. */
export function summarize(items: readonly ItemResult[], skipped: number, interrupted = false): CompareSummary {
  const byName = new Map<string, {
    items: number; failed: number; mismatched: number; total: number; maxAbs: number; maxRel: number;
    minAtol: number; minRtol: number; nonFiniteItems: number; top1Agree: number; top1Rows: number; hasClasses: boolean;
  }>();
  for (const item of items) {
    for (const o of item.outputs) {
      const s = byName.get(o.name) ?? {
        items: 0, failed: 0, mismatched: 0, total: 0, maxAbs: 0, maxRel: 0, minAtol: 0, minRtol: 0,
        nonFiniteItems: 0, top1Agree: 0, top1Rows: 0, hasClasses: false,
      };
      s.items += 1;
      if (!o.passed) s.failed += 1;
      s.mismatched += o.mismatched;
      s.total += o.total;
      if (o.stats) {
        s.maxAbs = maxNaN(s.maxAbs, o.stats.maxAbs);
        s.maxRel = maxNaN(s.maxRel, o.stats.maxRel);
        s.minAtol = maxNaN(s.minAtol, o.stats.minAtol);
        s.minRtol = maxNaN(s.minRtol, o.stats.minRtol);
      }
      if (o.nonFiniteFailed) s.nonFiniteItems += 1;
      if (o.classes) {
        s.hasClasses = true;
        s.top1Agree += o.classes.top1Agree;
        s.top1Rows += o.classes.rows;
      }
      byName.set(o.name, s);
    }
  }
  const outputs: OutputSummary[] = [...byName].map(([name, s]) => ({
    name, items: s.items, failed: s.failed, mismatched: s.mismatched, total: s.total, maxAbs: s.maxAbs, maxRel: s.maxRel,
    minAtol: s.minAtol, minRtol: s.minRtol, nonFiniteItems: s.nonFiniteItems,
    top1Agree: s.hasClasses ? s.top1Agree : null, top1Rows: s.hasClasses ? s.top1Rows : null,
  }));
  return {
    items: items.length,
    passed: items.filter((i) => i.status === 'pass').length,
    failed: items.filter((i) => i.status === 'fail').length,
    errors: items.filter((i) => i.status === 'error').length,
    skipped,
    outputs,
    exitCode: interrupted ? ExitCode.interrupted : exitCodeFor(items),
  };
}

/** Like Math.max, but a NaN anywhere wins, so a NaN statistic is never hidden by an aggregate. */
function maxNaN(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return NaN;
  return Math.max(a, b);
}
