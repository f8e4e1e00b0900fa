/**
 * `trt-parity merge`: the reports of the shards of one run (`--shard i/n`) made into the report of
 * one run over all inputs. Pure: reports in, a report out (merge.ts reads the files).
 *
 * Every run-level figure of a compare report is computed from its items (summary: counts, sums,
 * maxima over items; task figures: from each item's task figures), so the merged report recomputes
 * them from the union of the items with the same functions a single run uses, and its verdict,
 * statistics and exit code are those of the unsplit run. What is not a function of the items:
 * - `durationMs`: the sum of the shards' durations (machine time, not wall time);
 * - `warnings`: the union of the shards' warnings, in order. A single run hoists a warning that
 *   every input repeats into the header; a shard does the same over its own inputs, so a warning
 *   every input of one shard repeats but not every input of another is in the header here and on
 *   the items there (never lost, possibly placed differently);
 * - `settings.preprocess`: the record of the shard whose first image has the smallest key, which is
 *   the image a single run reads first (inputs are taken in key order).
 */
import { InputError } from '../errors.js';
import { mergeHtmlData, type HtmlData } from '../report/html/collect.js';
import { type CompareReport, type ItemResult, summarize } from '../report/model/compare.js';
import { withVerdict } from '../tasks/run.js';
import { summarizeTask, taskVerdict } from '../tasks/task.js';

export interface ReportPart {
  /** The file it came from, for messages. */
  readonly source: string;
  readonly report: CompareReport;
  /** The HTML report's figures, when the part was an HTML report. */
  readonly figures: HtmlData | null;
}

export interface MergedReport {
  readonly report: CompareReport;
  /** The figures for --html: merged when every part carried them, else null. */
  readonly figures: HtmlData | null;
}

/**
 * @throws InputError (exit 2) when the parts are not shards of one run: different models, settings
 * or pipeline (the message names what differs), a shard given twice or missing, or one input in two parts.
 */
export function mergeReports(parts: readonly ReportPart[]): MergedReport {
  if (parts.length === 0) throw new InputError(undefined, 'merge: no reports given');
  const ref = parts[0]!;
  for (const p of parts.slice(1)) {
    const diff = firstDifference(runIdentity(ref.report), runIdentity(p.report), '');
    if (diff) {
      throw new InputError(p.source, `not a shard of the same run as ${ref.source}: ${diff.path.slice(1)} differs (${show(diff.a)} there, ${show(diff.b)} here)`, {
        hints: ['merge only the reports of one command run with different --shard values'],
      });
    }
  }
  checkShards(parts);
  const seen = new Map<string, string>();
  const items: ItemResult[] = [];
  for (const p of parts) {
    for (const item of p.report.items) {
      const other = seen.get(item.key);
      if (other !== undefined) throw new InputError(p.source, `input '${item.key}' is also in ${other}; each input must be in one report only`);
      seen.set(item.key, p.source);
      items.push(item);
    }
  }
  // A single run takes its inputs in key order (discovery sorts them), so the merged items are too.
  items.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const skipped = parts.reduce((n, p) => n + p.report.summary.skipped, 0);
  // A shard stopped by a signal stops the merged run the same way (its exit code, 130 or 143, stands).
  const stopped = parts.find((p) => p.report.interrupted === true);
  const counted = summarize(items, skipped, stopped !== undefined);
  let summary: CompareReport['summary'] = stopped ? { ...counted, exitCode: stopped.report.summary.verdict?.allcloseExitCode ?? stopped.report.summary.exitCode } : counted;
  // Task mode: the figures over the union of the items' task figures, the gates on those, and the
  // exit code by the same rule as a single run (withVerdict).
  const resolved = parts.find((p) => p.report.task?.kind != null)?.report.task ?? ref.report.task;
  let task = resolved;
  if (resolved && resolved.kind !== null) {
    const withTask = items.flatMap((i) => (i.task ? [{ key: i.key, task: i.task }] : []));
    const figures = summarizeTask(resolved.kind, withTask, classNames(parts));
    task = { ...resolved, summary: figures, verdict: taskVerdict(figures, resolved.settings.gates) };
  }
  const mode = ref.report.summary.verdict?.mode;
  if (task && mode !== undefined) summary = withVerdict(summary, mode, task);
  const firstRead = parts
    .filter((p) => p.report.settings.preprocess !== null)
    .sort((a, b) => (a.report.settings.preprocess!.example.key < b.report.settings.preprocess!.example.key ? -1 : 1))[0];
  const warnings: string[] = [];
  for (const p of parts) for (const w of p.report.warnings) if (!warnings.includes(w)) warnings.push(w);
  const { shard: _shard, ...base } = ref.report;
  const report: CompareReport = {
    ...base,
    settings: { ...ref.report.settings, preprocess: firstRead?.report.settings.preprocess ?? null },
    items,
    warnings,
    summary,
    ...(stopped ? { interrupted: true, interruptedBy: stopped.report.interruptedBy ?? null } : ref.report.interrupted === undefined ? {} : { interrupted: false, interruptedBy: null }),
    ...(parts.some((p) => p.report.saved) ? { saved: parts.flatMap((p) => p.report.saved ?? []) } : {}),
    ...(task ? { task } : {}),
    durationMs: parts.reduce((t, p) => t + p.report.durationMs, 0),
  };
  const figures = parts.every((p) => p.figures !== null) ? mergeHtmlData(parts.map((p) => p.figures!)) : null;
  return { report, figures };
}

/** What must be equal for two reports to be parts of one run. */
function runIdentity(r: CompareReport): unknown {
  const p = r.settings.preprocess;
  return {
    report: { schema: r.schema, schemaVersion: r.schemaVersion },
    tool: r.tool,
    first: r.first,
    second: r.second,
    settings: {
      tolerance: r.settings.tolerance,
      allowNonFinite: r.settings.allowNonFinite,
      failFast: r.settings.failFast,
      // The example image and the notes are about one shard's first image, not about the run.
      preprocess: p === null ? null : { ...p, example: undefined, notes: undefined },
    },
    task: r.task ? { requested: r.task.requested, settings: r.task.settings } : null,
    verdict: r.summary.verdict?.mode ?? null,
    'shard split': r.shard ? { count: r.shard.count, inputsInRun: r.shard.inputsInRun, rule: r.shard.rule } : null,
  };
}

/** Shards: each index once, all present. Unsharded reports: merged as they are (their keys must not overlap). */
function checkShards(parts: readonly ReportPart[]): void {
  const shards = parts.map((p) => p.report.shard);
  if (shards.every((s) => s === undefined)) return;
  const count = shards[0]!.count;
  const by = new Map<number, string>();
  for (const p of parts) {
    const i = p.report.shard!.index;
    const other = by.get(i);
    if (other !== undefined) throw new InputError(p.source, `shard ${i}/${count} is also ${other}; give each shard once`);
    by.set(i, p.source);
  }
  const missing = [...Array(count).keys()].map((i) => i + 1).filter((i) => !by.has(i));
  if (missing.length) {
    throw new InputError(undefined, `merge: shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing; the merged report would not cover the run's ${shards[0]!.inputsInRun} inputs`, {
      hints: ['give the reports of every shard (a failed CI job still uploads its report when the step runs with if: always())'],
    });
  }
}

/** Class names, as the shards' task summaries wrote them into their flips (the model's names are not in the report otherwise). */
function classNames(parts: readonly ReportPart[]): ReadonlyMap<number, string> | undefined {
  const names = new Map<number, string>();
  for (const p of parts) {
    const s = p.report.task?.summary;
    if (s?.kind !== 'classify') continue;
    for (const f of s.flips) {
      if (f.firstName !== null) names.set(f.firstLabel, f.firstName);
      if (f.secondName !== null) names.set(f.secondLabel, f.secondName);
    }
  }
  return names.size ? names : undefined;
}

export function firstDifference(a: unknown, b: unknown, path: string): { path: string; a: unknown; b: unknown } | null {
  if (Object.is(a, b)) return null;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return { path, a, b };
  if (Array.isArray(a) && Array.isArray(b) && a.length !== b.length) return { path, a, b };
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) {
    const va = (a as Record<string, unknown>)[k];
    const vb = (b as Record<string, unknown>)[k];
    const d = firstDifference(va, vb, Array.isArray(a) ? `${path}[${k}]` : `${path}.${k}`);
    if (d) return d;
  }
  return null;
}

export function show(v: unknown): string {
  if (v === undefined) return 'absent';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}
