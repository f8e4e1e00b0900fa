/**
 * The report's pictures as PNG data URIs, encoded by sharp (no file is written): input
 * thumbnails and |diff| heatmaps in a perceptual colour map. Everything else of the HTML report
 * is pure; this is the one async step, run once before rendering.
 */
import { loadSharp } from '../../image/decode.js';
import type { HtmlData } from './collect.js';

/** Key for a heatmap picture: output, input key, channel. */
export function heatmapId(output: string, key: string, channel: number): string {
  return `${output}\u0000${key}\u0000${channel}`;
}

export interface ReportImages {
  readonly thumbs: ReadonlyMap<string, string>;
  readonly heatmaps: ReadonlyMap<string, string>;
}

export const NO_IMAGES: ReportImages = { thumbs: new Map(), heatmaps: new Map() };

/** Inferno's control points (matplotlib), interpolated linearly: dark for 0, bright for the max. */
const INFERNO: readonly (readonly [number, number, number])[] = [
  [0, 0, 4], [40, 11, 84], [101, 21, 110], [159, 42, 99], [212, 72, 66], [245, 125, 21], [250, 193, 39], [252, 255, 164],
];

export function inferno(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 1)) * (INFERNO.length - 1);
  const i = Math.min(INFERNO.length - 2, Math.floor(x));
  const f = x - i;
  const a = INFERNO[i]!;
  const b = INFERNO[i + 1]!;
  return [Math.round(a[0] + (b[0] - a[0]) * f), Math.round(a[1] + (b[1] - a[1]) * f), Math.round(a[2] + (b[2] - a[2]) * f)];
}

async function png(rgb: Uint8Array, width: number, height: number): Promise<string> {
  // Imported on first use (image/decode.ts): a command that writes no HTML never loads libvips.
  const sharp = await loadSharp();
  const buf = await sharp(rgb, { raw: { width, height, channels: 3 } }).png({ compressionLevel: 9 }).toBuffer();
  return `data:image/png;base64,${buf.toString('base64')}`;
}

/**
 * Encodes every thumbnail and heatmap the data holds. Heatmaps of one input and output share one
 * colour scale (the largest |diff| over their channels), so their channels compare by colour.
 */
export async function renderImages(data: HtmlData | null): Promise<ReportImages> {
  if (data === null) return NO_IMAGES;
  const thumbs = new Map<string, string>();
  for (const [key, t] of Object.entries(data.thumbs)) {
    if (t.png) thumbs.set(key, t.png);
    else if (t.rgb) thumbs.set(key, await png(Buffer.from(t.rgb, 'base64'), t.width, t.height));
  }
  const heatmaps = new Map<string, string>();
  for (const f of data.outputs) {
    for (const w of f.worst) {
      const scale = Math.max(0, ...w.heatmaps.map((h) => (Number.isFinite(h.max) ? h.max : 0)));
      for (const h of w.heatmaps) {
        const rgb = new Uint8Array(h.width * h.height * 3);
        for (let i = 0; i < h.values.length; i++) {
          const v = h.values[i]!;
          const [r, g, b] = inferno(scale > 0 ? v / scale : Number.isFinite(v) ? 0 : 1);
          rgb[i * 3] = r;
          rgb[i * 3 + 1] = g;
          rgb[i * 3 + 2] = b;
        }
        heatmaps.set(heatmapId(f.name, w.key, h.channel), await png(rgb, h.width, h.height));
      }
    }
  }
  return { thumbs, heatmaps };
}
