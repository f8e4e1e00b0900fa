import type { OutputComparison } from '../compare/types.js';
import { ExitCode } from '../errors.js';
import type { CompareReport, ItemResult } from './model/compare.js';
import { escapeControl as esc, escapeDeep, shownMessage } from './escape.js';
import { colors, fmtCosine, fmtMs, fmtNum, fmtPercent, fmtSuggestedTol, fmtTol, fmtValue, table, type Colors } from './format.js';
import { formatShape } from '../tensor/shape.js';
import { renderTaskSection, taskVerdictLine } from './task-text.js';

export interface TextOptions {
  readonly color: boolean;
  /** Also list passing outputs' details (worst element, required tolerances). */
  readonly verbose: boolean;
}

/** The rule, as printed in reports, --help and the README. */
export const RULE_TEXT = '|first - second| <= atol + rtol * |second|  (numpy.testing.assert_allclose(first, second))';

/** The human report: header, one row per input × output, failure details, per-output summary, verdict line. */
export function renderCompareText(raw: CompareReport, options: TextOptions): string {
  // Every name, path, note and message of outside origin escaped once, here (a field added later too);
  // an error's message is taken raw from `raw`, as shownMessage needs its real line breaks.
  const report = escapeDeep(raw);
  const c = colors(options.color);
  const out: string[] = [];
  const tol = report.settings.tolerance;
  out.push(c.bold('trt-parity compare'));
  out.push(...table([
    ['first', report.first.backend, esc(report.first.source)],
    ['second', report.second.backend, `${esc(report.second.source)}  ${c.dim('(reference)')}`],
  ], ['left', 'left', 'left'], '  '));
  out.push(`  rule       ${RULE_TEXT}`);
  out.push(`  tolerance  ${toleranceText(tol)}`);
  for (const w of report.warnings) out.push(c.yellow(`  warning: ${esc(w)}`));
  for (const saved of report.saved ?? []) for (const n of saved.notes) out.push(`  ${esc(n)}`);
  out.push('');

  const rows: string[][] = [['input', 'output', 'verdict', 'mismatched', 'max|diff|', 'max rel', 'p99|diff|', 'cosine', 'top-1', 'top-5']];
  const details: { at: number; lines: string[] }[] = [];
  for (const [k, item] of report.items.entries()) {
    if (item.status === 'error') {
      const rawItem = raw.items[k]!;
      rows.push([esc(item.key), '-', c.red('ERROR'), '', '', '', '', '', '', '']);
      const logs = item.error?.logs ?? [];
      // The backend's own log lines explain most failures; -v shows them, and says they exist otherwise.
      const logLines = options.verbose ? logs.map((l) => c.dim(`log: ${esc(l)}`)) : logs.length > 0 ? [c.dim(`(${logs.length} backend log line${logs.length === 1 ? '' : 's'}; -v shows them)`)] : [];
      details.push({ at: rows.length - 1, lines: [c.red(shownMessage(rawItem.error?.message ?? 'failed', options.verbose, rawItem.path)), ...(item.error?.hints ?? []).map((h) => c.dim(`hint: ${esc(h)}`)), ...logLines] });
      continue;
    }
    item.outputs.forEach((o, i) => {
      rows.push(outputRow(i === 0 ? esc(item.key) : '', o, c));
      const lines = o.passed && !options.verbose ? [] : describeFailure(o);
      if (!o.passed || options.verbose) {
        if (o.passed) lines.splice(0, 1); // the verdict line repeats the row
        details.push({ at: rows.length - 1, lines: lines.map((l) => c.dim(l)) });
      }
    });
    for (const w of item.warnings) details.push({ at: rows.length - 1, lines: [c.yellow(`warning: ${esc(w)}`)] });
  }
  const rendered = table(rows, ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'right', 'right', 'right'], '  ');
  rendered[0] = c.dim(rendered[0] ?? '');
  const byRow = new Map<number, string[]>();
  for (const d of details) byRow.set(d.at, [...(byRow.get(d.at) ?? []), ...d.lines]);
  rendered.forEach((line, i) => {
    out.push(line);
    for (const l of byRow.get(i) ?? []) out.push(`      ${l}`);
  });

  const s = report.summary;
  if (s.outputs.length > 0 && report.items.length > 1) {
    out.push('');
    out.push(c.bold(`per output, over ${s.items - s.errors} compared input${s.items - s.errors === 1 ? '' : 's'}`));
    const sumRows: string[][] = [['output', 'failed', 'mismatched', 'max|diff|', 'max rel', 'top-1 agree', 'passes everywhere with']];
    for (const o of s.outputs) {
      sumRows.push([
        o.name,
        o.failed === 0 ? c.green(`0/${o.items}`) : c.red(`${o.failed}/${o.items}`),
        `${o.mismatched}/${o.total} (${fmtPercent(o.mismatched, o.total)})`,
        fmtNum(o.maxAbs), fmtNum(o.maxRel),
        o.top1Rows === null ? '-' : `${o.top1Agree}/${o.top1Rows}`,
        `--atol ${fmtSuggestedTol(o.minAtol)} or --rtol ${fmtSuggestedTol(o.minRtol)}`,
      ]);
    }
    out.push(...table(sumRows, ['left', 'right', 'right', 'right', 'right', 'right', 'left'], '  ').map((l, i) => (i === 0 ? c.dim(l) : l)));
  }
  out.push(...renderTaskSection(report, c, options.verbose));
  const timing = timingLine(report.items);
  if (timing) out.push('', c.dim(timing));
  out.push('', taskVerdictLine(report, verdictLine, c) ?? verdictLine(report, c));
  return out.join('\n') + '\n';
}

function outputRow(key: string, o: OutputComparison, c: Colors): string[] {
  const verdict = o.passed ? c.green('PASS') : c.red(o.problem ? 'FAIL*' : 'FAIL');
  const st = o.stats;
  return [
    key,
    esc(o.name),
    verdict,
    o.problem ? '-' : `${o.mismatched}/${o.total} (${fmtPercent(o.mismatched, o.total)})`,
    fmtNum(st?.maxAbs), fmtNum(st?.maxRel), fmtNum(st?.p99Abs),
    st?.cosine === null || st?.cosine === undefined ? '-' : fmtCosine(st.cosine),
    o.classes ? (o.classes.rows === 1 ? (o.classes.top1Agree === 1 ? 'yes' : c.red('no')) : `${o.classes.top1Agree}/${o.classes.rows}`) : '-',
    o.classes ? `${Number((o.classes.top5Overlap * o.classes.k).toFixed(2))}/${o.classes.k}` : '-',
  ];
}

/** Lines explaining one output's verdict: why it failed and what would make it pass. First line is the verdict. */
export function describeFailure(o: OutputComparison): string[] {
  const lines: string[] = [];
  const t = o.tolerance;
  if (o.problem) {
    lines.push(`${o.name}: ${o.problem}`);
    return lines;
  }
  const reasons: string[] = [];
  if (!o.allclosePassed) reasons.push(`${o.mismatched} of ${o.total} elements (${fmtPercent(o.mismatched, o.total)}) exceed atol=${fmtTol(t.atol)} + rtol=${fmtTol(t.rtol)}*|second|`);
  if (o.nonFiniteFailed) reasons.push('non-finite values present (use --allow-nonfinite to accept)');
  lines.push(`${o.name}: ${o.passed ? 'within tolerance' : reasons.join('; ')}`);
  const st = o.stats;
  if (st?.worst) {
    const w = st.worst;
    lines.push(`largest |diff| at ${formatShape(w.index)}: first=${fmtValue(w.first)} second=${fmtValue(w.second)} |diff|=${fmtNum(w.absDiff)} (allowed ${fmtNum(t.atol + t.rtol * Math.abs(w.second))})`);
  }
  if (st) {
    const viol = st.maxAbsViolations === null ? '' : `; among violations max|diff|=${fmtNum(st.maxAbsViolations)} max rel=${fmtNum(st.maxRelViolations)}`;
    lines.push(`max|diff|=${fmtNum(st.maxAbs)} max rel=${fmtNum(st.maxRel)} mean|diff|=${fmtNum(st.meanAbs)} p99|diff|=${fmtNum(st.p99Abs)}${viol}`);
    // Full precision: the minimum tolerances sit on numpy's rounding grid, and a rounded figure may not pass.
    if (!o.allclosePassed) lines.push(`would pass with --atol ${fmtSuggestedTol(st.minAtol)} (at rtol=${fmtTol(t.rtol)}) or --rtol ${fmtSuggestedTol(st.minRtol)} (at atol=${fmtTol(t.atol)})`);
  }
  const nf = o.nonFinite;
  if (nf.first.nan + nf.first.posInf + nf.first.negInf + nf.second.nan + nf.second.posInf + nf.second.negInf > 0) {
    lines.push(`non-finite: first nan=${nf.first.nan} +inf=${nf.first.posInf} -inf=${nf.first.negInf}; second nan=${nf.second.nan} +inf=${nf.second.posInf} -inf=${nf.second.negInf}`);
  }
  for (const n of o.notes) lines.push(`note: ${n}`);
  return lines;
}

function toleranceText(tol: CompareReport['settings']['tolerance']): string {
  const parts = [`rtol=${fmtTol(tol.default.rtol)} atol=${fmtTol(tol.default.atol)}`];
  for (const [name, t] of Object.entries(tol.perOutput)) {
    const bits = [t.rtol === undefined ? null : `rtol=${fmtTol(t.rtol)}`, t.atol === undefined ? null : `atol=${fmtTol(t.atol)}`].filter(Boolean);
    parts.push(`${name}: ${bits.join(' ')}`);
  }
  return parts.join('; ');
}

function timingLine(items: readonly ItemResult[]): string | null {
  const first = items.map((i) => i.timing.firstMs).filter((v): v is number => v !== null);
  const second = items.map((i) => i.timing.secondMs).filter((v): v is number => v !== null);
  const pre = items.map((i) => i.timing.preprocessMs);
  if (first.length === 0 && second.length === 0) return null;
  const median = (v: number[]): number => {
    const s = [...v].sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  return `median per input: preprocess ${fmtMs(median(pre))}, first ${first.length ? fmtMs(median(first)) : '-'}, second ${second.length ? fmtMs(median(second)) : '-'} (wall time; use \`trt-parity bench\` for measurements)`;
}

/** The one-line verdict that ends every report. */
export function verdictLine(report: CompareReport, c: Colors = colors(false)): string {
  const s = report.summary;
  // Skipped inputs never became items, so `items` does not count them.
  const compared = s.items - s.errors;
  const failingOutputs = s.outputs.filter((o) => o.failed > 0).map((o) => o.name);
  const noun = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;
  const tail: string[] = [];
  if (s.errors > 0) tail.push(`${noun(s.errors, 'input')} could not be compared`);
  if (s.skipped > 0) {
    const why = report.warnings.some((w) => w.startsWith('interrupted:')) ? 'interrupted' : '--fail-fast';
    tail.push(`${s.skipped} not run (${why})`);
  }
  const extra = tail.length ? `; ${tail.join('; ')}` : '';
  if (s.exitCode === ExitCode.interrupted || s.exitCode === ExitCode.terminated) {
    const so = s.failed > 0 ? `${s.failed} mismatched (${failingOutputs.join(', ')})` : s.errors > 0 ? `${s.passed} passed` : 'all passed';
    const by = report.interruptedBy ? ` by ${report.interruptedBy}` : '';
    return c.yellow(c.bold('INTERRUPTED')) + `${by}  ${noun(s.items, 'input')} compared, ${so}${extra} [exit ${s.exitCode}]`;
  }
  if (s.exitCode === 0) return c.green(c.bold('PASS')) + `  ${noun(compared, 'input')}, every output within tolerance${extra} [exit 0]`;
  if (s.failed > 0) {
    return c.red(c.bold('FAIL')) + `  ${s.failed} of ${noun(compared, 'input')} mismatched (${failingOutputs.join(', ')})${extra} [exit ${s.exitCode}]`;
  }
  return c.red(c.bold('ERROR')) + `  ${s.passed} of ${noun(s.items, 'input')} passed${extra} [exit ${s.exitCode}]`;
}
