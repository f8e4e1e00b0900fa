/**
 * The two plots of the HTML report as inline SVG strings. Pure.
 *
 * Our own SVG rather than a charting library: the report must open with no network, so any library
 * would be inlined into every report (tens to hundreds of KB of script, a dependency to keep up to
 * date and audit); two plots with log axes are a page of code, render without script, scale
 * without blur, and a test can read their numbers back from the markup.
 */
import { escapeControl } from '../escape.js';
import { HIST_BINS, type Histogram, type Sample } from './collect.js';

const W = 440;
const H = 220;
const M = { left: 62, right: 12, top: 14, bottom: 40 };

/** Text for HTML/SVG: markup characters as entities, and control characters shown as escapes (escape.ts), as in every other output. */
export function escapeXml(s: string): string {
  return escapeControl(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** "1e-5", "3e+2": short labels for powers of ten. */
function pow10Label(e: number): string {
  return e === 0 ? '1' : `1e${e}`;
}

function frame(inner: string, label: string, xTitle: string, yTitle: string): string {
  return `<svg class="plot" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeXml(label)}" xmlns="http://www.w3.org/2000/svg">`
    + `<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" class="bg"/>`
    + inner
    + `<text x="${(M.left + W - M.right) / 2}" y="${H - 6}" class="axis-title" text-anchor="middle">${escapeXml(xTitle)}</text>`
    + `<text x="11" y="${(M.top + H - M.bottom) / 2}" class="axis-title" text-anchor="middle" transform="rotate(-90 11 ${(M.top + H - M.bottom) / 2})">${escapeXml(yTitle)}</text>`
    + '</svg>';
}

function xTicks(lo: number, hi: number, x: (v: number) => number, from = lo): string {
  let s = '';
  const stride = Math.max(1, Math.ceil((hi - lo) / 8));
  for (let e = Math.ceil(from); e <= Math.floor(hi); e += stride) {
    s += `<line x1="${x(e).toFixed(1)}" x2="${x(e).toFixed(1)}" y1="${H - M.bottom}" y2="${H - M.bottom + 4}" class="tick"/>`
      + `<text x="${x(e).toFixed(1)}" y="${H - M.bottom + 15}" class="tick-label" text-anchor="middle">${pow10Label(e)}</text>`;
  }
  return s;
}

/**
 * Histogram of |diff| over log10 bins; exact zeros as a bar of their own at the left, the atol
 * line dashed. Counts on a square-root scale so that the tail next to a big mode stays visible.
 */
export function histogramSvg(h: Histogram, atol: number, output: string): string {
  const used = h.counts.map((c, i) => (c > 0 ? i : -1)).filter((i) => i >= 0);
  const total = h.counts.reduce((a, b) => a + b, 0) + h.zero + h.below + h.above;
  if (total === 0) return `<p class="empty">no finite differences for ${escapeXml(output)}</p>`;
  const atolBin = atol > 0 ? (Math.log10(atol) - h.lo) / h.step : -1;
  let first = Math.min(used[0] ?? HIST_BINS - 1, atolBin >= 0 ? Math.floor(atolBin) : HIST_BINS) - 2;
  let last = Math.max(used[used.length - 1] ?? 0, atolBin >= 0 ? Math.ceil(atolBin) : 0) + 2;
  first = Math.max(0, first);
  last = Math.min(HIST_BINS - 1, last);
  const slots = last - first + 1 + 2; // + the zero bar and a gap
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const bw = plotW / slots;
  const max = Math.max(h.zero + h.below, ...h.counts.slice(first, last + 1), h.above);
  const y = (c: number): number => M.top + plotH - Math.sqrt(c / max) * plotH;
  const lo = h.lo + first * h.step;
  const hi = h.lo + (last + 1) * h.step;
  const x = (e: number): number => M.left + 2 * bw + ((e - lo) / (hi - lo)) * (plotW - 2 * bw);
  let bars = '';
  const zero = h.zero + h.below;
  if (zero > 0) bars += `<rect class="bar zero" x="${(M.left + 0.1 * bw).toFixed(1)}" y="${y(zero).toFixed(1)}" width="${(bw * 0.8).toFixed(1)}" height="${(M.top + plotH - y(zero)).toFixed(1)}"><title>|diff| = 0${h.below ? ` or < 1e${h.lo}` : ''}: ${zero}</title></rect>`;
  bars += `<text x="${(M.left + 0.5 * bw).toFixed(1)}" y="${H - M.bottom + 15}" class="tick-label" text-anchor="middle">0</text>`;
  for (let i = first; i <= last; i++) {
    const c = h.counts[i]! + (i === last ? h.above : 0);
    if (c === 0) continue;
    const e0 = h.lo + i * h.step;
    bars += `<rect class="bar" x="${x(e0).toFixed(1)}" y="${y(c).toFixed(1)}" width="${Math.max(1, (x(e0 + h.step) - x(e0)) * 0.92).toFixed(1)}" height="${(M.top + plotH - y(c)).toFixed(1)}"><title>[${(10 ** e0).toExponential(1)}, ${(10 ** (e0 + h.step)).toExponential(1)}): ${c}</title></rect>`;
  }
  let line = '';
  if (atol > 0 && Math.log10(atol) >= lo && Math.log10(atol) <= hi) {
    const ax = x(Math.log10(atol));
    line = `<line class="tol" x1="${ax.toFixed(1)}" x2="${ax.toFixed(1)}" y1="${M.top}" y2="${M.top + plotH}"/><text class="tol-label" x="${(ax + 3).toFixed(1)}" y="${M.top + 11}">atol</text>`;
  }
  const yLabels = [0.25, 1].map((f) => `<text x="${M.left - 4}" y="${(y(f * max) + 4).toFixed(1)}" class="tick-label" text-anchor="end">${Math.round(f * max)}</text>`).join('');
  const nf = h.nonFinite ? ` (+${h.nonFinite} NaN/Inf)` : '';
  // The first label keeps clear of the zero bar's.
  return frame(bars + line + xTicks(lo, hi, x, lo + 0.5) + yLabels, `histogram of |diff| for ${output}`, `|diff| (log scale)${nf}`, 'elements (√ scale)');
}

/**
 * |diff| against |reference| on log–log axes, the allclose boundary atol + rtol·|b| drawn: points
 * above it are the elements that fail. Zeros sit on the axes' floor.
 */
export function scatterSvg(s: Sample, tol: { readonly rtol: number; readonly atol: number }, output: string): string {
  if (s.ref.length === 0) return `<p class="empty">no finite elements sampled for ${escapeXml(output)}</p>`;
  const pos = (v: number[]): number[] => v.filter((x) => x > 0).map(Math.log10);
  const lr = pos(s.ref);
  const ld = pos(s.diff);
  const bound = (v: number[], dflt: [number, number]): [number, number] => {
    if (v.length === 0) return dflt;
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of v) {
      if (x < lo) lo = x;
      if (x > hi) hi = x;
    }
    return [Math.floor(lo - 0.2), Math.ceil(hi + 0.2)];
  };
  const [x0, x1] = bound(lr, [-3, 1]);
  let [y0, y1] = bound(ld, [-8, -4]);
  // Keep the tolerance line in view: it is the point of the plot.
  const tolAt = (e: number): number => Math.log10(tol.atol + tol.rtol * 10 ** e);
  if (tol.atol + tol.rtol > 0) {
    y0 = Math.min(y0, Math.floor(tolAt(x0)) - 1);
    y1 = Math.max(y1, Math.ceil(tolAt(x1)));
  }
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const x = (e: number): number => M.left + ((e - x0) / (x1 - x0)) * plotW;
  const y = (e: number): number => M.top + plotH - ((e - y0) / (y1 - y0)) * plotH;
  let pts = '';
  let fails = 0;
  for (let i = 0; i < s.ref.length; i++) {
    const r = s.ref[i]!;
    const d = s.diff[i]!;
    const bad = d > tol.atol + tol.rtol * r;
    if (bad) fails++;
    const px = r > 0 ? x(Math.max(x0, Math.log10(r))) : M.left;
    const py = d > 0 ? y(Math.max(y0, Math.log10(d))) : M.top + plotH;
    pts += `<circle class="pt${bad ? ' bad' : ''}" cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="1.6"/>`;
  }
  let curve = '';
  if (tol.atol + tol.rtol > 0) {
    const n = 48;
    const path: string[] = [];
    for (let i = 0; i <= n; i++) {
      const e = x0 + ((x1 - x0) * i) / n;
      path.push(`${x(e).toFixed(1)},${y(Math.min(y1, Math.max(y0, tolAt(e)))).toFixed(1)}`);
    }
    curve = `<polyline class="tol" points="${path.join(' ')}"/><text class="tol-label" x="${M.left + 4}" y="${(y(Math.min(y1, tolAt(x0))) - 4).toFixed(1)}">atol + rtol·|b|</text>`;
  }
  let yt = '';
  const stride = Math.max(1, Math.ceil((y1 - y0) / 6));
  for (let e = Math.ceil(y0); e <= y1; e += stride) yt += `<text x="${M.left - 4}" y="${(y(e) + 4).toFixed(1)}" class="tick-label" text-anchor="end">${pow10Label(e)}</text>`;
  const title = `${s.ref.length} sampled elements, ${fails} above the line`;
  return frame(pts + curve + xTicks(x0, x1, x) + yt, `scatter of |diff| against |reference| for ${output}: ${title}`, `|reference| (log) — ${title}`, '|diff| (log)');
}
