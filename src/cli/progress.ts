/**
 * Progress on stderr. On a terminal: a one-line bar redrawn in place. Without one (CI logs, pipes):
 * a plain line every `everyMs` (count, rate, ETA), so a long run shows it is alive without flooding
 * the log.
 */
import { escapeControl } from '../report/escape.js';

export interface Progress {
  update(done: number, total: number, label: string): void;
  done(): void;
}

export interface ProgressOptions {
  /** Without a terminal, at most one line per this many milliseconds (default 10 s); 0 turns them off. */
  readonly everyMs?: number;
  /** The clock, for tests. */
  readonly now?: () => number;
}

export const DEFAULT_PROGRESS_EVERY_MS = 10_000;

export function progressBar(stream: NodeJS.WriteStream, enabled: boolean, options: ProgressOptions = {}): Progress {
  if (!enabled) return { update() {}, done() {} };
  if (!stream.isTTY) return progressLines(stream, options);
  let shown = false;
  let last = 0;
  return {
    update(done, total, label) {
      const now = Date.now();
      if (done < total && now - last < 50) return; // redraw at most 20 times a second
      last = now;
      const width = 24;
      const filled = total === 0 ? width : Math.round((done / total) * width);
      const cols = stream.columns ?? 80;
      // The label is a file name: a newline or an escape sequence in it must not break or recolour the bar.
      const text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${escapeControl(label)}`;
      stream.write(`\r\x1b[2K${text.slice(0, Math.max(10, cols - 1))}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}

/** "12/3000 inputs (0%), 4.1/s, ETA 12m 8s", one line every `everyMs`. */
function progressLines(stream: NodeJS.WritableStream, options: ProgressOptions): Progress {
  const every = options.everyMs ?? DEFAULT_PROGRESS_EVERY_MS;
  const now = options.now ?? Date.now;
  const start = now();
  let last = start;
  return {
    update(done, total) {
      if (every <= 0 || done >= total) return;
      const t = now();
      if (t - last < every) return;
      last = t;
      stream.write(`trt-parity: ${progressText(done, total, (t - start) / 1000)}\n`);
    },
    done() {},
  };
}

/** The text of one progress line, from the count and the seconds elapsed. */
export function progressText(done: number, total: number, seconds: number): string {
  const rate = seconds > 0 ? done / seconds : 0;
  const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
  const eta = rate > 0 ? ` ETA ${duration((total - done) / rate)}` : '';
  return `${done}/${total} inputs (${pct}%), ${rate >= 10 ? rate.toFixed(0) : rate.toFixed(1)}/s,${eta}`.replace(/,$/, '');
}

function duration(s: number): string {
  const total = Math.ceil(s);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  return h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${sec}s` : `${sec}s`;
}
