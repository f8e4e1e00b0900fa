/**
 * A compare run with a visible, spatially localised mismatch, for the HTML report's tests and its
 * README screenshot. fixtures/models/affine.onnx (y = a·x + b per channel, dynamic H×W) runs on the
 * bundled photos and saves its outputs; then, in two of the photos' saved outputs, channel 1 gets a
 * Gaussian bump of error (peak 0.05, at a known place) and every element a relative error of up to
 * 3e-4 from a seeded generator. Comparing the model against that saved run fails exactly those two
 * photos; the heatmap must show the bump where it was put.
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy, writeNpy } from '../../../src/tensor/npy.js';
import { cli, type CliResult, shown } from '../../cli/run-cli.js';
import { fixture } from '../../helpers/paths.js';

export const PERTURBED = ['chelsea.jpg', 'rocket.jpg'] as const;

/** Where the bump is, as fractions of W and H, and its width as a fraction of W. */
export const BUMP = { cx: 0.3, cy: 0.4, sigma: 0.07, peak: 0.05 } as const;

export interface SpatialRun {
  readonly dir: string;
  readonly saved: string;
  readonly args: readonly string[];
}

/** Mulberry32: a tiny seeded generator, so the perturbation is the same on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export async function makeSpatialRun(): Promise<SpatialRun> {
  const dir = await mkdtemp(join(tmpdir(), 'trt-parity-html-'));
  const saved = join(dir, 'saved');
  const model = fixture('models', 'affine.onnx');
  const photos = fixture('images', 'photos');
  const save = await cli(['compare', model, model, photos, '--save-outputs', saved, '--no-progress']);
  if (save.code !== 0) throw new Error(`saving the reference run failed\n${shown(save)}`);
  const manifest = JSON.parse(await readFile(join(saved, 'manifest.json'), 'utf8')) as { entries: Record<string, { files: Record<string, { path: string }> }> };
  const random = rng(16);
  for (const key of PERTURBED) {
    const file = join(saved, manifest.entries[key]!.files['y']!.path);
    const t = readNpy(await readFile(file));
    const [, C, H, W] = t.shape as [number, number, number, number];
    const v = t.data as Float32Array;
    for (let c = 0; c < C; c++) {
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const i = (c * H + y) * W + x;
          let e = v[i]! * 3e-4 * (random() - 0.5) * 2;
          if (c === 1) {
            const dx = (x / W - BUMP.cx) / BUMP.sigma;
            const dy = (y / H - BUMP.cy) / BUMP.sigma;
            e += BUMP.peak * Math.exp(-0.5 * (dx * dx + dy * dy));
          }
          v[i] = v[i]! + e;
        }
      }
    }
    await writeFile(file, writeNpy(t));
  }
  return { dir, saved, args: ['compare', model, saved, photos, '--no-progress'] };
}

/** Runs the comparison against the perturbed run with extra arguments (e.g. --html FILE). */
export async function compareSpatial(run: SpatialRun, extra: readonly string[]): Promise<CliResult> {
  return cli([...run.args, ...extra]);
}
