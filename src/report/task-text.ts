/**
 * The task-mode parts of the text report (docs/tasks.md): the task section after the per-output
 * table, and the verdict line when a task verdict was asked for. Pure.
 */
import type { CompareReport } from './model/compare.js';
import { escapeControl, escapeDeep } from './escape.js';
import { colors, fmtNum, table, type Colors } from './format.js';
import type { ClassifySummary, DetectItem, DetectSummary, GateResult, SegmentItem, SegmentSummary, TaskReport } from '../tasks/types.js';

const pct = (x: number): string => `${Number((100 * x).toPrecision(4))}%`;
const fixed = (x: number | null): string => (x === null ? '-' : x.toFixed(4));

/** Lines of the task section; empty without task mode. `verbose` lists every input for detect/segment. */
export function renderTaskSection(report: CompareReport, c: Colors, verbose = false): string[] {
  // Keys and class names come from outside (file names, a model's metadata): escaped before use.
  const t = escapeDeep(report.task);
  if (!t) return [];
  const out: string[] = ['', c.bold(`task: ${t.kind ?? 'none'}`) + c.dim(`  (${t.reason})`)];
  if (t.summary === null) return out;
  const items = report.items.flatMap((i) => (i.task ? [{ key: escapeControl(i.key), task: escapeDeep(i.task) }] : []));
  if (t.summary.kind === 'classify') out.push(...classifyLines(t.summary, c));
  else if (t.summary.kind === 'detect') out.push(...detectLines(t, t.summary, items.flatMap((i) => (i.task.kind === 'detect' ? [{ key: i.key, task: i.task }] : [])), c, verbose));
  else out.push(...segmentLines(t.summary, items.flatMap((i) => (i.task.kind === 'segment' ? [{ key: i.key, task: i.task }] : [])), c, verbose));
  for (const g of t.verdict?.gates ?? []) out.push(`  gate  ${gateText(g, c)}`);
  return out;
}

function classifyLines(s: ClassifySummary, c: Colors): string[] {
  const out = table([
    ['top-1 agreement', `${s.agree}/${s.rows} = ${pct(s.rate)}`, c.dim(`95% CI ${pct(s.interval.low)} – ${pct(s.interval.high)} (Wilson)`)],
    ['top-5 overlap', `mean ${(s.meanTop5Overlap * 100).toFixed(1)}%`, ''],
    ['reference top-1 rank in first', `worst ${s.worstReferenceRank}`, c.dim('1 = always the first\'s top-1 too')],
    ['max |Δ softmax|', fmtNum(s.maxSoftmaxDelta), ''],
  ], ['left', 'right', 'left'], '  ');
  if (s.flips.length === 0) return [...out, '  flipped inputs: none'];
  out.push(`  flipped inputs: ${s.flips.length}`);
  const label = (i: number, n: string | null) => (n === null ? String(i) : `${i} ${n}`);
  const rows = [['input', 'first (margin)', 'second (margin)'], ...s.flips.map((f) => [
    f.row > 0 ? `${f.key} [${f.row}]` : f.key,
    `${label(f.firstLabel, f.firstName)} (${fixed(f.firstMargin)})`,
    `${label(f.secondLabel, f.secondName)} (${fixed(f.secondMargin)})`,
  ])];
  out.push(...table(rows, ['left', 'left', 'left'], '    ').map((l, i) => (i === 0 ? c.dim(l) : c.yellow(l))));
  out.push(c.dim('    margin: top-1 minus runner-up probability in that backend; small margins are near-ties'));
  return out;
}

function detectLines(t: TaskReport, s: DetectSummary, items: readonly { key: string; task: DetectItem }[], c: Colors, verbose: boolean): string[] {
  const n = t.settings.nms;
  const decode = t.layout === 'efficient-nms' ? 'boxes as the model\'s own NMS left them (num_dets)' : `NMS conf ${n.conf}, IoU ${n.iou}, max ${n.maxDet}`;
  const out = [c.dim(`  ${t.layout} layout; ${decode}; matched by class at IoU >= ${t.settings.matchIou}, greedy by score`)];
  const row = (key: string, f: DetectSummary | DetectItem) => [key, `${f.firstCount}`, `${f.secondCount}`, `${f.matched}`, `${f.onlyFirst}`, `${f.onlySecond}`, fixed(f.precision), fixed(f.recall), fixed(f.f1), fixed(f.meanIou), fmtNum(f.maxScoreDelta)];
  const shown = verbose ? items : items.filter((i) => i.task.f1 < 1);
  const rows = [['input', 'first', 'second', 'matched', 'only first', 'only second', 'P', 'R', 'F1', 'mean IoU', 'max Δscore'], ...shown.map((i) => row(i.key, i.task)), row(`all ${s.images} (${s.imagesWithDifferences} differ)`, s)];
  out.push(...table(rows, ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'], '  ').map((l, i) => (i === 0 ? c.dim(l) : l)));
  return out;
}

function segmentLines(s: SegmentSummary, items: readonly { key: string; task: SegmentItem }[], c: Colors, verbose: boolean): string[] {
  const shown = verbose ? items : items.filter((i) => i.task.pixelAgreement < 1);
  const rows = [['input', 'pixel agreement', 'mIoU'], ...shown.map((i) => [i.key, pct(i.task.pixelAgreement), fixed(i.task.miou)]), [`all ${s.images}`, `${pct(s.pixelAgreement)} (${s.agreeing}/${s.pixels})`, fixed(s.miou)]];
  const out = table(rows, ['left', 'right', 'right'], '  ').map((l, i) => (i === 0 ? c.dim(l) : l));
  const classes = s.perClass.filter((p) => p.iou !== null);
  if (classes.length > 0 && classes.length <= 32) out.push(c.dim(`  IoU per class: ${classes.map((p) => `${p.cls}: ${fixed(p.iou)}`).join(', ')}`));
  return out;
}

function gateText(g: GateResult, c: Colors): string {
  const flag = g.name === 'min-agreement' ? '--min-agreement' : '--min-miou';
  return `${flag} ${g.threshold}: ${g.figure} ${fixed(g.value)} ${g.passed ? c.green('PASS') : c.red('FAIL')}`;
}

/**
 * The verdict line under --verdict task|both (and the allclose line's task note): says which
 * verdict decided the exit code. Null when the run has no task verdict to report.
 */
export function taskVerdictLine(report: CompareReport, allcloseVerdict: (r: CompareReport, c: Colors) => string, c: Colors = colors(false)): string | null {
  const v = report.summary.verdict;
  const t = report.task;
  if (!v || !t) return null;
  // What allclose alone says, from the exit code it alone would have given.
  const allcloseLine = allcloseVerdict({ ...report, summary: { ...report.summary, exitCode: v.allcloseExitCode } }, c);
  const code = report.summary.exitCode;
  const gates = t.verdict?.gates ?? [];
  const taskText = t.summary === null ? `no task figures (${t.reason})`
    : gates.length === 0 ? `${t.kind} figures reported, no gate set (--min-agreement${t.kind === 'segment' ? ', --min-miou' : ''})`
    : gates.map((g) => `${g.figure} ${fixed(g.value)} ${g.passed ? '>=' : '<'} ${g.threshold}`).join(', ');
  // The allclose line without its own exit code: the decided one ends the line.
  const allclose = allcloseLine.replace(/\s*\[exit \d+\]$/, '');
  if (v.mode === 'allclose') return `${allcloseLine.replace(/\s*\[exit \d+\]$/, '')}; task (not deciding): ${taskText} [verdict: allclose, exit ${code}]`;
  const word = code === 0 ? c.green(c.bold('PASS')) : code === 1 ? c.red(c.bold('FAIL')) : code >= 128 ? c.yellow(c.bold('INTERRUPTED')) : c.red(c.bold('ERROR'));
  const taskPart = `task: ${taskText}`;
  if (v.mode === 'task') return `${word}  ${taskPart}; allclose (not deciding): ${stripWord(allclose)} [verdict: task, exit ${code}]`;
  return `${word}  ${taskPart}; allclose: ${stripWord(allclose)} [verdict: both, exit ${code}]`;
}

/** "FAIL  4 of 4 inputs mismatched" → "4 of 4 inputs mismatched" (ANSI codes included). */
function stripWord(line: string): string {
  return line.replace(/^(\x1b\[[0-9;]*m)*[A-Z]+(\x1b\[[0-9;]*m)*\s+/, '');
}
