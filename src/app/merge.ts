/**
 * `merge` as a library function: report files in (JSON from --json, JSON Lines from --jsonl, or
 * HTML from --html, which embeds its report and figures), one merged report out. Reads files; the
 * merging itself is pure (merge-reports.ts).
 */
import { InputError } from '../errors.js';
import { MAX_REPORT_BYTES } from '../io/limits.js';
import { readRegularFile } from '../io/read-file.js';
import type { HtmlData } from '../report/html/collect.js';
import { extractEmbedded } from '../report/html/render.js';
import type { CompareReport } from '../report/model/compare.js';
import { type MergedReport, mergeReports, type ReportPart } from './merge-reports.js';

export async function merge(files: readonly string[]): Promise<MergedReport> {
  const parts: ReportPart[] = [];
  for (const file of files) parts.push(await readReportFile(file));
  return mergeReports(parts);
}

/**
 * Reads one compare report in any of the three formats. Bounded and typed like every file read: a
 * FIFO, a device (/dev/zero), a directory or a file over MAX_REPORT_BYTES is one line naming it.
 * @throws InputError naming the file and what is wrong.
 */
export async function readReportFile(file: string, maxBytes = MAX_REPORT_BYTES): Promise<ReportPart> {
  const bytes = await readRegularFile(file, { maxBytes, what: 'report file' });
  return parseReport(bytes.toString('utf8'), file);
}

/** Parses report text (JSON, JSON Lines or an HTML report). Pure. */
export function parseReport(text: string, file: string): ReportPart {
  const head = text.trimStart().slice(0, 64).toLowerCase();
  let report: unknown;
  let figures: HtmlData | null = null;
  try {
    if (head.startsWith('<!doctype html') || head.startsWith('<html')) {
      const embedded = extractEmbedded(text) as { report?: unknown; figures?: unknown } | null;
      if (embedded === null) throw new InputError(file, 'an HTML file without an embedded trt-parity report (not written by compare --html?)');
      report = revive(embedded.report);
      figures = (embedded.figures ?? null) as HtmlData | null;
    } else if (/^\{\s*"type"\s*:/.test(text.trimStart())) {
      report = fromJsonLines(text, file);
    } else {
      report = revive(JSON.parse(text));
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(file, `not a trt-parity report: ${(e as Error).message}`, { cause: e });
  }
  if (!isCompareReport(report)) throw new InputError(file, 'not a trt-parity compare report (no "schema": "trt-parity/compare" with items and summary)');
  if (report.schemaVersion !== 1) throw new InputError(file, `compare report schema version ${String(report.schemaVersion)}; this trt-parity reads version 1`);
  return { source: file, report, figures };
}

/** --jsonl: item lines, then a summary line holding the rest of the report. */
function fromJsonLines(text: string, file: string): unknown {
  const items: unknown[] = [];
  let summary: Record<string, unknown> | null = null;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '') continue;
    let v: { type?: unknown; done?: unknown; total?: unknown } & Record<string, unknown>;
    try {
      v = JSON.parse(line);
    } catch (e) {
      throw new InputError(file, `line ${i + 1}: not JSON (${(e as Error).message})`);
    }
    if (v.type === 'item') {
      const { type: _t, done: _d, total: _n, ...item } = v;
      items.push(item);
    } else if (v.type === 'summary') {
      const { type: _t, ...rest } = v;
      summary = rest;
    }
  }
  if (summary === null) throw new InputError(file, 'a JSON Lines report without its summary line: the run did not finish, so it cannot be merged');
  return revive({ ...summary, items });
}

/** JSON has no NaN/Infinity: the reports write them as strings; numbers again here (see src/report/json.ts). */
const STRING_FIELDS: ReadonlySet<string> = new Set(['key', 'path', 'name', 'firstName', 'secondName', 'source', 'backend', 'message', 'output', 'input', 'dir', 'reason']);

function revive(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v), (k, x: unknown) => {
    if (typeof x === 'string' && !STRING_FIELDS.has(k) && (x === 'NaN' || x === 'Infinity' || x === '-Infinity')) {
      return x === 'NaN' ? NaN : x === 'Infinity' ? Infinity : -Infinity;
    }
    return x;
  });
}

function isCompareReport(x: unknown): x is CompareReport {
  const r = x as Partial<CompareReport> | null;
  return typeof r === 'object' && r !== null && r.schema === 'trt-parity/compare' && Array.isArray(r.items) && typeof r.summary === 'object' && r.summary !== null;
}
