/**
 * A one-line progress bar on stderr, only on a terminal, so that piped or CI output stays clean.
 */
export interface Progress {
  update(done: number, total: number, label: string): void;
  done(): void;
}

export function progressBar(stream: NodeJS.WriteStream, enabled: boolean): Progress {
  if (!enabled || !stream.isTTY) return { update() {}, done() {} };
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
      const text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${label}`;
      stream.write(`\r\x1b[2K${text.slice(0, Math.max(10, cols - 1))}`);
      shown = true;
    },
    done() {
      if (shown) stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}
