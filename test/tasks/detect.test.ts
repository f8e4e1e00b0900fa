/**
 * Detection agreement against the independent numpy reference (scripts/oracle/make_task_oracle.py):
 * committed raw outputs of the fixture detectors (onnxruntime, second side) and a perturbed copy
 * (first side), in the three layouts; the oracle's decoded boxes, matches and figures are in
 * fixtures/tasks/detect-oracle.json. See fixtures/tasks/README.md for provenance.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readNpy } from '../../src/tensor/npy.js';
import type { Tensor } from '../../src/tensor/types.js';
import { operandOf } from '../../src/compare/operand.js';
import { matchDetections } from '../../src/tasks/boxes.js';
import { decodeDetections, detectItem, summarizeDetect, type DetectTensors } from '../../src/tasks/detect.js';
import { DEFAULT_NMS, type DetectItem, type DetectLayout, type Detection } from '../../src/tasks/types.js';
import { fixture } from '../helpers/paths.js';

interface OracleImage {
  key: string; first: number[][]; second: number[][]; pairs: [number, number][];
  firstCount: number; secondCount: number; matched: number; onlyFirst: number; onlySecond: number;
  precision: number; recall: number; f1: number; meanIou: number | null; maxScoreDelta: number | null;
}
interface OracleLayout { outputs: string[]; images: OracleImage[]; summary: Record<string, number | null> }
const oracle = JSON.parse(readFileSync(fixture('tasks', 'detect-oracle.json'), 'utf8')) as { layouts: Record<DetectLayout, OracleLayout> };

const ROLE: Readonly<Record<string, keyof DetectTensors>> = { output0: 'pred', num_dets: 'numDets', det_boxes: 'boxes', det_scores: 'scores', det_classes: 'classes' };

function side(layout: DetectLayout, key: string, which: 'first' | 'second'): DetectTensors {
  const dir = fixture('tasks', 'detect', layout);
  const t: Record<string, unknown> = {};
  for (const f of readdirSync(dir).filter((f) => f.startsWith(`${key}.${which}.`))) {
    const tensor: Tensor = readNpy(readFileSync(join(dir, f)), f);
    t[ROLE[f.split('.')[2]!]!] = { values: operandOf(tensor).values, shape: tensor.shape };
  }
  return t as DetectTensors;
}

const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
const asRows = (d: readonly Detection[]) => d.map((x) => [x.x1, x.y1, x.x2, x.y2, x.score, x.cls]);
function sameDetections(got: readonly Detection[], want: number[][], what: string): void {
  assert.equal(got.length, want.length, `${what}: count`);
  asRows(got).forEach((row, i) => {
    row.forEach((v, j) => { close(v, want[i]![j]!, `${what}[${i}][${j}]`); });
  });
}
function sameFigures(got: object, want: object, what: string): void {
  for (const k of ['firstCount', 'secondCount', 'matched', 'onlyFirst', 'onlySecond', 'precision', 'recall', 'f1', 'meanIou', 'maxScoreDelta']) {
    const g = (got as Record<string, number | null>)[k];
    const w = (want as Record<string, number | null>)[k];
    if (w === null || w === undefined) assert.equal(g, null, `${what}.${k}`);
    else close(g!, w, `${what}.${k}`);
  }
}

for (const layout of ['ultralytics', 'yolov5', 'efficient-nms'] as const) {
  describe(`detect, ${layout} layout, against the numpy reference`, () => {
    const ref = oracle.layouts[layout];
    const items: DetectItem[] = [];
    for (const img of ref.images) {
      test(`${img.key}: decoded boxes (after NMS), matches and figures`, () => {
        const [first] = decodeDetections(layout, side(layout, img.key, 'first'), DEFAULT_NMS);
        const [second] = decodeDetections(layout, side(layout, img.key, 'second'), DEFAULT_NMS);
        sameDetections(first!, img.first, 'first');
        sameDetections(second!, img.second, 'second');
        assert.deepEqual(matchDetections(first!, second!, 0.5).map((p) => [p.first, p.second]), img.pairs);
        const item = detectItem(layout, ref.outputs, [first!], [second!], 0.5);
        sameFigures(item, img, img.key);
        items.push(item);
      });
    }
    test('over the run', () => {
      assert.equal(items.length, ref.images.length);
      const s = summarizeDetect(items);
      sameFigures(s, ref.summary, 'summary');
      assert.equal(s.images, ref.summary.images);
      assert.equal(s.imagesWithDifferences, ref.summary.imagesWithDifferences);
    });
  });
}

describe('detect: what the reference shows about the fixtures (so the tests above are not vacuous)', () => {
  test('every layout has an image with no boxes on either side, one with differences, and NMS that suppressed', () => {
    for (const layout of ['ultralytics', 'yolov5', 'efficient-nms'] as const) {
      const imgs = oracle.layouts[layout].images;
      assert.ok(imgs.some((i) => i.firstCount === 0 && i.secondCount === 0 && i.f1 === 1), layout);
      assert.ok(imgs.some((i) => i.f1 < 1 && i.matched > 0), layout);
    }
    const clusters = side('ultralytics', 'clusters', 'second');
    const scores = clusters.pred!;
    let candidates = 0;
    for (let a = 0; a < 256; a++) if (Math.max(scores.values[4 * 256 + a]!, scores.values[5 * 256 + a]!, scores.values[6 * 256 + a]!) > 0.25) candidates++;
    const kept = oracle.layouts.ultralytics.images.find((i) => i.key === 'clusters')!.secondCount;
    assert.ok(kept < candidates / 2, `NMS kept ${kept} of ${candidates}`);
  });
});
