/**
 * `--jsonl FILE|-`: the report as JSON Lines, written as the run goes: one line per input as it
 * finishes ({"type":"item",...}), then one summary line last ({"type":"summary",...}). Each line is
 * written with a synchronous write, so a run killed at any point leaves every finished input on disk.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { InputError } from '../errors.js';
import { escapeControl } from '../report/escape.js';
import { jsonText } from '../report/json.js';
import type { CompareReport, ItemResult } from '../report/model/compare.js';

export interface JsonlWriter {
  item(item: ItemResult, done: number, total: number): void;
  /** The summary line (everything of the report but the items); closes the file. */
  summary(report: CompareReport): void;
  close(): void;
}

/** One line: the rules of --json (non-finite numbers as strings, controls escaped), without indentation. */
function line(value: unknown): string {
  return `${jsonText(value)}\n`;
}

/** Opens `target` (a file, truncated, or '-' for stdout). @throws InputError when the file cannot be created. */
export function openJsonl(target: string): JsonlWriter {
  let fd: number;
  if (target === '-') fd = 1;
  else {
    try {
      fd = openSync(target, 'w');
    } catch (err) {
      throw new InputError(target, `cannot write report: ${(err as Error).message}`, { cause: err });
    }
  }
  let open = true;
  let failed = false;
  const write = (text: string): void => {
    if (!open || failed) return;
    try {
      writeSync(fd, text);
    } catch (err) {
      // A closed pipe (| head) or a full disk: stop writing lines, the run goes on.
      failed = true;
      process.stderr.write(`trt-parity: ${escapeControl(`${target === '-' ? 'stdout' : target}: cannot write report: ${(err as Error).message}`)}\n`);
    }
  };
  const close = (): void => {
    if (!open) return;
    open = false;
    if (fd !== 1) closeSync(fd);
  };
  return {
    item(item, done, total) {
      write(line({ type: 'item', done, total, ...item }));
    },
    summary(report) {
      const { items: _items, ...rest } = report;
      write(line({ type: 'summary', ...rest }));
      close();
    },
    close,
  };
}
