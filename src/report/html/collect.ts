/**
 * What the HTML report needs beyond the JSON report, gathered while a compare run goes, in
 * bounded memory whatever the number of inputs. Pure: the compare app feeds it each input's
 * tensors through a hook, only when --html is asked for.
 *
 * Per output over the run:
 * - a histogram of |diff| on fixed log10 bins (exact: counts add up, so shards merge exactly);
 * - a sample of (|reference|, |diff|) pairs for the scatter: a bottom-k sample, each element's
 *   priority a hash of (input key, element index), the k smallest kept. The sample of a run is
 *   then the same whatever the input order or split, so the merge of shards' samples (union, keep
 *   the k smallest) is exactly the sample the unsplit run would have drawn;
 * - the K worst inputs (largest max |diff|, ties by key), each with a max-pooled |diff| heatmap of
 *   its most different channels when the output is spatial (…×H×W), its input's thumbnail, and for
 *   detection outputs both backends' boxes.
 * Classification flips (top-1 labels that differ) are listed for the first MAX_FLIPS inputs by key.
 */
import { topK } from '../../compare/class-agreement.js';
import { operandOf } from '../../compare/operand.js';
import type { OutputComparison } from '../../compare/types.js';
import { decodeDetections, type DetectTensors } from '../../tasks/detect.js';
import { resolveTask } from '../../tasks/task.js';
import { DEFAULT_NMS } from '../../tasks/types.js';
import type { Tensor, TensorMap } from '../../tensor/types.js';
import type { ItemResult } from '../model/compare.js';

export const HTML_DATA_VERSION = 1;

export interface HtmlCollectorOptions {
  /** Size of each output's scatter sample. */
  readonly sample: number;
  /** How many worst inputs keep a heatmap and a thumbnail, per output. */
  readonly worst: number;
  /** Heatmaps are max-pooled down to at most this many cells a side. */
  readonly heatmapSide: number;
  /** At most this many channels per heatmap (the ones with the largest |diff|). */
  readonly heatmapChannels: number;
  /** Thumbnails are at most this many pixels a side. */
  readonly thumbSide: number;
}

export const DEFAULT_HTML_COLLECTOR_OPTIONS: HtmlCollectorOptions = { sample: 2000, worst: 4, heatmapSide: 48, heatmapChannels: 6, thumbSide: 160 };

/** log10 bins of |diff|: [10^lo, 10^(lo+step)), …; zero, below and above the range counted apart. */
export const HIST_LO = -12;
export const HIST_STEP = 0.25;
export const HIST_BINS = 64;
export const MAX_FLIPS = 200;

export interface Histogram {
  readonly lo: number;
  readonly step: number;
  readonly counts: number[];
  /** |diff| exactly 0. */
  zero: number;
  below: number;
  above: number;
  /** Elements where either side is NaN or ±Inf. */
  nonFinite: number;
}

export interface Sample {
  /**
   * Priorities (32-bit hashes), ascending; ref[i] = |reference|, diff[i] = |first − reference| of
   * the same element, to 6 significant digits (a plot needs no more, and the page stays small).
   */
  readonly p: number[];
  readonly ref: number[];
  readonly diff: number[];
}

export interface Heatmap {
  readonly channel: number;
  readonly width: number;
  readonly height: number;
  /** The output's own H×W, before pooling. */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  readonly max: number;
  /** Row-major max-pooled |diff|, to 3 significant digits. */
  readonly values: number[];
}

export interface Box {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
  readonly score: number;
  readonly cls: number;
}

export interface WorstItem {
  readonly key: string;
  /** max |diff| over the output (Infinity when NaN/Inf made it undefined, so it sorts first). */
  readonly score: number;
  readonly mismatched: number;
  readonly total: number;
  /** Planes of the spatial output with the largest |diff|; empty when the output is not spatial. */
  readonly heatmaps: Heatmap[];
  /** Both sides' detections (model input pixels), when the outputs are a detector's. */
  readonly boxes: { readonly first: Box[]; readonly second: Box[]; readonly layout: string } | null;
}

export interface OutputFigures {
  readonly name: string;
  readonly tolerance: { readonly rtol: number; readonly atol: number };
  /** Shape of the reference output (first input that had it). */
  readonly shape: readonly number[];
  readonly spatial: boolean;
  readonly hist: Histogram;
  readonly sample: Sample;
  /** Worst first. */
  readonly worst: WorstItem[];
}

export interface Thumb {
  readonly width: number;
  readonly height: number;
  /** Width and height of the model input the thumbnail was made from (boxes are in these pixels). */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /** RGB bytes, base64 (as collected), or … */
  readonly rgb?: string;
  /** … the PNG data URI made from them (as embedded in a page, so that merge passes it through). */
  readonly png?: string;
}

export interface FlipRecord {
  readonly key: string;
  readonly output: string;
  readonly row: number;
  readonly first: number;
  readonly second: number;
}

export interface HtmlData {
  readonly version: typeof HTML_DATA_VERSION;
  readonly options: HtmlCollectorOptions;
  readonly outputs: OutputFigures[];
  /** Input key → thumbnail, for the inputs some output's worst list names. */
  readonly thumbs: Record<string, Thumb>;
  /** Sorted by key, then output, then row; at most MAX_FLIPS. */
  readonly flips: FlipRecord[];
}

export class HtmlCollector {
  readonly options: HtmlCollectorOptions;
  readonly #outputs = new Map<string, OutputFigures>();
  readonly #thumbs = new Map<string, Thumb>();
  #flips: FlipRecord[] = [];
  /** Detection layout of the run's outputs: resolved on the first input, null when none. */
  #detect: ReturnType<typeof resolveTask> | null | undefined;

  constructor(options: Partial<HtmlCollectorOptions> = {}) {
    this.options = { ...DEFAULT_HTML_COLLECTOR_OPTIONS, ...options };
  }

  /** One compared input: its result, both sides' outputs, and the tensors fed (for the thumbnail). */
  observe(item: ItemResult, first: TensorMap, second: TensorMap, feeds: TensorMap): void {
    if (item.status === 'error') return;
    let thumbNeeded = false;
    for (const o of item.outputs) {
      const a = first.get(o.firstName ?? o.name);
      const b = second.get(o.secondName ?? o.name);
      if (!a || !b || o.stats === null || a.data.length !== b.data.length) continue;
      const fig = this.#figuresFor(o, b);
      const av = operandOf(a).values;
      const bv = operandOf(b).values;
      accumulate(fig, item.key, av, bv, this.options.sample);
      // Class scores are [classes] or [rows, classes]; a last axis of a feature map is no label.
      if (o.classes && o.classes.top1Agree < o.classes.rows && b.shape.length <= 2) this.#noteFlips(item.key, o.name, av, bv, b.shape);
      const score = Number.isNaN(o.stats.maxAbs) ? Infinity : o.stats.maxAbs;
      // An input with no difference at all has nothing to show.
      if (score > 0 && this.#entersWorst(fig, item.key, score)) {
        const heatmaps = fig.spatial ? heatmapsOf(av, bv, b.shape, this.options) : [];
        const boxes = this.#boxes(first, second);
        insertWorst(fig.worst, { key: item.key, score, mismatched: o.mismatched, total: o.total, heatmaps, boxes }, this.options.worst);
        thumbNeeded = true;
      }
    }
    if (thumbNeeded && !this.#thumbs.has(item.key)) {
      const t = thumbOf(feeds, this.options.thumbSide);
      if (t) this.#thumbs.set(item.key, t);
    }
    this.#pruneThumbs();
  }

  data(): HtmlData {
    return {
      version: HTML_DATA_VERSION, options: this.options, outputs: [...this.#outputs.values()],
      thumbs: Object.fromEntries(this.#thumbs), flips: this.#flips,
    };
  }

  #figuresFor(o: OutputComparison, b: Tensor): OutputFigures {
    let fig = this.#outputs.get(o.name);
    if (!fig) {
      fig = {
        name: o.name, tolerance: { rtol: o.tolerance.rtol, atol: o.tolerance.atol }, shape: [...b.shape], spatial: isSpatial(b.shape),
        hist: emptyHistogram(), sample: { p: [], ref: [], diff: [] }, worst: [],
      };
      this.#outputs.set(o.name, fig);
    }
    return fig;
  }

  #entersWorst(fig: OutputFigures, key: string, score: number): boolean {
    if (fig.worst.length < this.options.worst) return true;
    const last = fig.worst[fig.worst.length - 1]!;
    return worseThan({ key, score }, last);
  }

  #noteFlips(key: string, output: string, a: Float32Array | Float64Array, b: Float32Array | Float64Array, shape: readonly number[]): void {
    const classes = shape[shape.length - 1] ?? 0;
    if (classes < 2) return;
    const ta = new Int32Array(1);
    const tb = new Int32Array(1);
    for (let r = 0; r * classes < b.length; r++) {
      topK(a, r * classes, classes, 1, ta);
      topK(b, r * classes, classes, 1, tb);
      if (ta[0] !== tb[0]) this.#flips.push({ key, output, row: r, first: ta[0]!, second: tb[0]! });
    }
    if (this.#flips.length > MAX_FLIPS) this.#flips = sortFlips(this.#flips).slice(0, MAX_FLIPS);
  }

  #boxes(first: TensorMap, second: TensorMap): WorstItem['boxes'] {
    if (this.#detect === undefined) {
      try {
        const r = resolveTask('detect', second);
        this.#detect = 'kind' in r && r.kind === 'detect' ? r : null;
      } catch {
        this.#detect = null; // not a detector: fine, no boxes
      }
    }
    const task = this.#detect;
    if (task === null || !('kind' in task) || task.kind !== 'detect') return null;
    const sides: [Record<string, unknown>, Record<string, unknown>] = [{}, {}];
    for (const [role, name] of Object.entries(task.roles as Record<string, string>)) {
      const a = first.get(name);
      const b = second.get(name);
      if (!a || !b) return null;
      sides[0][role] = { values: operandOf(a).values, shape: a.shape };
      sides[1][role] = { values: operandOf(b).values, shape: b.shape };
    }
    try {
      const opts = { ...DEFAULT_NMS, ...(task.classes === undefined ? {} : { classes: task.classes }) };
      const da = decodeDetections(task.layout, sides[0] as DetectTensors, opts)[0] ?? [];
      const db = decodeDetections(task.layout, sides[1] as DetectTensors, opts)[0] ?? [];
      return { first: da.map(roundBox), second: db.map(roundBox), layout: task.layout };
    } catch {
      return null; // the figure is an extra: an output that does not decode just has no boxes
    }
  }

  #pruneThumbs(): void {
    const used = new Set<string>();
    for (const f of this.#outputs.values()) for (const w of f.worst) used.add(w.key);
    for (const k of this.#thumbs.keys()) if (!used.has(k)) this.#thumbs.delete(k);
  }
}

/**
 * The figures of a whole run from its shards' figures: histograms add up, samples keep the k
 * smallest priorities of the union, worst lists keep the K worst of the union, flips the first
 * MAX_FLIPS by key. Equal to what one run over all inputs collects (same priorities, same ties).
 */
export function mergeHtmlData(parts: readonly HtmlData[]): HtmlData | null {
  if (parts.length === 0) return null;
  const options = parts[0]!.options;
  const outputs = new Map<string, OutputFigures>();
  for (const part of parts) {
    for (const f of part.outputs) {
      const acc = outputs.get(f.name);
      if (!acc) {
        outputs.set(f.name, { ...f, hist: { ...f.hist, counts: [...f.hist.counts] }, sample: { p: [...f.sample.p], ref: [...f.sample.ref], diff: [...f.sample.diff] }, worst: [...f.worst] });
        continue;
      }
      for (let i = 0; i < HIST_BINS; i++) acc.hist.counts[i]! += f.hist.counts[i] ?? 0;
      acc.hist.zero += f.hist.zero;
      acc.hist.below += f.hist.below;
      acc.hist.above += f.hist.above;
      acc.hist.nonFinite += f.hist.nonFinite;
      mergeSample(acc.sample, f.sample, options.sample);
      for (const w of f.worst) insertWorst(acc.worst, w, options.worst);
    }
  }
  const used = new Set<string>();
  for (const f of outputs.values()) for (const w of f.worst) used.add(w.key);
  const thumbs: Record<string, Thumb> = {};
  for (const part of parts) for (const [k, t] of Object.entries(part.thumbs)) if (used.has(k)) thumbs[k] = t;
  const flips = sortFlips(parts.flatMap((p) => p.flips)).slice(0, MAX_FLIPS);
  return { version: HTML_DATA_VERSION, options, outputs: [...outputs.values()], thumbs, flips };
}

// ---------------------------------------------------------------- pieces

function emptyHistogram(): Histogram {
  return { lo: HIST_LO, step: HIST_STEP, counts: new Array<number>(HIST_BINS).fill(0), zero: 0, below: 0, above: 0, nonFinite: 0 };
}

/** Spatial: at least 3 dims, the last two (H, W) at least 4 each. */
export function isSpatial(shape: readonly number[]): boolean {
  const n = shape.length;
  return n >= 3 && shape[n - 1]! >= 4 && shape[n - 2]! >= 4;
}

/** Bin edges 10^(HIST_LO + k·HIST_STEP), k = 0…HIST_BINS: searched, not log10'd (Math.log10 per element costs 10× the rest of the pass). */
const EDGES = Float64Array.from({ length: HIST_BINS + 1 }, (_, k) => 10 ** (HIST_LO + k * HIST_STEP));

const F64 = new Float64Array(1);
const U32 = new Uint32Array(F64.buffer);
const LITTLE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The bin of d > 0: -1 below the first edge, HIST_BINS at or above the last. A first guess from
 * the float's exponent and mantissa bits (log2 to within 0.09), then corrected against the exact
 * edges: Math.log10 per element would cost ten times the rest of the pass.
 */
export function binOf(d: number): number {
  if (d < EDGES[0]!) return -1;
  if (d >= EDGES[HIST_BINS]!) return HIST_BINS;
  F64[0] = d;
  const hi = U32[LITTLE ? 1 : 0]!;
  const log2 = ((hi >>> 20) & 0x7ff) - 1023 + (hi & 0xfffff) / 1048576;
  let k = Math.floor((log2 * Math.LOG10E * Math.LN2 - HIST_LO) / HIST_STEP);
  if (k < 0) k = 0;
  else if (k > HIST_BINS - 1) k = HIST_BINS - 1;
  while (d < EDGES[k]!) k--;
  while (d >= EDGES[k + 1]!) k++;
  return k;
}

/** FNV-1a over the key's UTF-16 code units: the seed of its elements' priorities. */
function keySeed(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Priority of element `i` of the input with seed `seed`: murmur3's finaliser over the pair, a uint32. */
export function priority(seed: number, i: number): number {
  let h = (seed ^ Math.imul(i, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function accumulate(fig: OutputFigures, key: string, a: Float32Array | Float64Array, b: Float32Array | Float64Array, k: number): void {
  const h = fig.hist;
  const seed = keySeed(key);
  const s = fig.sample;
  let threshold = s.p.length >= k ? s.p[k - 1]! : 2 ** 32;
  let cp: number[] = [];
  let cr: number[] = [];
  let cd: number[] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      h.nonFinite++;
      continue;
    }
    const d = Math.abs(x - y);
    if (d === 0) h.zero++;
    else {
      const bin = binOf(d);
      if (bin < 0) h.below++;
      else if (bin >= HIST_BINS) h.above++;
      else h.counts[bin]!++;
    }
    const p = priority(seed, i);
    if (p < threshold) {
      cp.push(p);
      cr.push(digits6(Math.abs(y)));
      cd.push(digits6(d));
      // Keep the candidates bounded on huge outputs: fold them in and tighten the threshold.
      if (cp.length >= 4 * k) {
        mergeSample(s, { p: cp, ref: cr, diff: cd }, k);
        threshold = s.p.length >= k ? s.p[k - 1]! : 2 ** 32;
        cp = [];
        cr = [];
        cd = [];
      }
    }
  }
  if (cp.length) mergeSample(s, { p: cp, ref: cr, diff: cd }, k);
}

/** Into `into`, the k smallest priorities of both samples (ties by values, so the result is order-free). */
function mergeSample(into: Sample, other: Sample, k: number): void {
  const idx: [number, number, number][] = [];
  for (let i = 0; i < into.p.length; i++) idx.push([into.p[i]!, into.ref[i]!, into.diff[i]!]);
  for (let i = 0; i < other.p.length; i++) idx.push([other.p[i]!, other.ref[i]!, other.diff[i]!]);
  idx.sort((x, y) => x[0] - y[0] || x[1] - y[1] || x[2] - y[2]);
  idx.length = Math.min(idx.length, k);
  into.p.length = 0;
  into.ref.length = 0;
  into.diff.length = 0;
  for (const [p, r, d] of idx) {
    into.p.push(p);
    into.ref.push(r);
    into.diff.push(d);
  }
}

function worseThan(x: { key: string; score: number }, y: { key: string; score: number }): boolean {
  return x.score > y.score || (x.score === y.score && x.key < y.key);
}

function insertWorst(list: WorstItem[], w: WorstItem, k: number): void {
  if (list.some((x) => x.key === w.key)) return;
  let i = list.length;
  while (i > 0 && worseThan(w, list[i - 1]!)) i--;
  list.splice(i, 0, w);
  if (list.length > k) list.length = k;
}

function sortFlips(f: FlipRecord[]): FlipRecord[] {
  return [...f].sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : x.output < y.output ? -1 : x.output > y.output ? 1 : x.row - y.row));
}

function digits6(v: number): number {
  return Number(v.toPrecision(6));
}

const f32 = new Float32Array(1);
function round32(v: number): number {
  f32[0] = v;
  return f32[0];
}

function roundBox(d: Box): Box {
  return { x1: round32(d.x1), y1: round32(d.y1), x2: round32(d.x2), y2: round32(d.y2), score: round32(d.score), cls: d.cls };
}

/** The planes of batch 0 with the largest max |diff|, each max-pooled to at most `heatmapSide` a side. */
export function heatmapsOf(a: Float32Array | Float64Array, b: Float32Array | Float64Array, shape: readonly number[], o: Pick<HtmlCollectorOptions, 'heatmapSide' | 'heatmapChannels'>): Heatmap[] {
  const n = shape.length;
  const H = shape[n - 2]!;
  const W = shape[n - 1]!;
  const planes = n >= 4 ? shape.slice(1, n - 2).reduce((x, y) => x * y, 1) : shape[0]!;
  const plane = H * W;
  const maxes: { c: number; max: number }[] = [];
  for (let c = 0; c < planes; c++) {
    let m = 0;
    for (let i = c * plane, end = i + plane; i < end; i++) {
      const d = Math.abs(a[i]! - b[i]!);
      if (d > m || Number.isNaN(d)) m = Number.isNaN(d) ? Infinity : d;
    }
    maxes.push({ c, max: m });
  }
  maxes.sort((x, y) => y.max - x.max || x.c - y.c);
  const f = Math.max(1, Math.ceil(Math.max(H, W) / o.heatmapSide));
  const w = Math.ceil(W / f);
  const h = Math.ceil(H / f);
  return maxes.slice(0, o.heatmapChannels).map(({ c, max }) => {
    const values = new Array<number>(w * h).fill(0);
    const base = c * plane;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const d = Math.abs(a[base + y * W + x]! - b[base + y * W + x]!);
        const cell = Math.floor(y / f) * w + Math.floor(x / f);
        const v = Number.isNaN(d) ? Infinity : d;
        if (v > values[cell]!) values[cell] = v;
      }
    }
    // Three digits: a colour has 256 levels; the page stays small with many worst inputs.
    return { channel: c, width: w, height: h, sourceWidth: W, sourceHeight: H, max, values: values.map((v) => Number(v.toPrecision(3))) };
  });
}

/**
 * A thumbnail of the input as the model saw it (after preprocessing), so that boxes in model
 * input pixels land where the model put them. The image-like feed: [1,3|1,H,W] or [1,H,W,3|1]
 * (or without the batch dim); its values stretched min..max to 0..255 (normalisation undone
 * up to an affine map, which is all a picture needs).
 */
export function thumbOf(feeds: TensorMap, side: number): Thumb | null {
  for (const t of feeds.values()) {
    const s = t.shape[0] === 1 && t.shape.length === 4 ? t.shape.slice(1) : t.shape;
    if (s.length !== 3 || t.dtype === 'int64' || t.dtype === 'bool') continue;
    let c: number;
    let H: number;
    let W: number;
    let chw: boolean;
    if ((s[0] === 3 || s[0] === 1) && s[1]! >= 4 && s[2]! >= 4) [c, H, W, chw] = [s[0], s[1]!, s[2]!, true];
    else if ((s[2] === 3 || s[2] === 1) && s[0]! >= 4 && s[1]! >= 4) [c, H, W, chw] = [s[2], s[0]!, s[1]!, false];
    else continue;
    const v = operandOf(t).values;
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < H * W * c; i++) {
      const x = v[i]!;
      if (Number.isFinite(x)) {
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
    }
    const range = hi > lo ? hi - lo : 1;
    const f = Math.max(H, W) / side;
    const scale = f > 1 ? f : 1;
    const w = Math.max(1, Math.round(W / scale));
    const h = Math.max(1, Math.round(H / scale));
    const rgb = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      const sy = Math.min(H - 1, Math.floor((y + 0.5) * scale));
      for (let x = 0; x < w; x++) {
        const sx = Math.min(W - 1, Math.floor((x + 0.5) * scale));
        for (let k = 0; k < 3; k++) {
          const ch = c === 1 ? 0 : k;
          const raw = chw ? v[ch * H * W + sy * W + sx]! : v[(sy * W + sx) * c + ch]!;
          rgb[(y * w + x) * 3 + k] = Number.isFinite(raw) ? Math.round(((raw - lo) / range) * 255) : 0;
        }
      }
    }
    return { width: w, height: h, sourceWidth: W, sourceHeight: H, rgb: Buffer.from(rgb).toString('base64') };
  }
  return null;
}
