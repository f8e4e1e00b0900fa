/**
 * The HTML report in a real browser: Debian's chromium driven by playwright-core. Opens the report
 * of a run with a mismatch (test/report/html/spatial-run.ts) and checks that it makes no network
 * request and logs no console error, that the table sorts, and that the heatmaps and plots are drawn
 * (a screenshot of each has non-uniform pixels).
 *
 * chromium comes from apt (.ci/run installs it where missing); this test skips, saying so, only
 * when it is not installed. TRT_PARITY_SCREENSHOT=FILE also writes a full-page screenshot there
 * (how docs/report.png is made).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';
import { compareSpatial, makeSpatialRun, PERTURBED } from '../report/html/spatial-run.js';

const CHROMIUM = process.env.TRT_PARITY_CHROMIUM ?? '/usr/bin/chromium';
const missing = existsSync(CHROMIUM) ? null : `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium; .ci/run does) to run the browser test`;

type Browser = import('playwright-core').Browser;
let browser: Browser | null = null;
let reportUrl = '';

before(async () => {
  if (missing) return;
  const run = await makeSpatialRun();
  const html = join(run.dir, 'report.html');
  const r = await compareSpatial(run, ['--html', html]);
  assert.equal(r.code, 1, `a run with a mismatch exits 1\n${r.stderr}`);
  reportUrl = pathToFileURL(html).href;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
});

after(async () => {
  await browser?.close();
});

/** Standard deviation of a PNG screenshot's pixel values: 0 for a blank or single-colour area. */
async function spread(png: Buffer): Promise<number> {
  const stats = await sharp(png).stats();
  return Math.max(...stats.channels.map((c) => c.stdev));
}

test('the report opens with no network request and no console error, and its table sorts', { skip: missing ?? false }, async () => {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('request', (r) => { if (r.url() !== reportUrl && !r.url().startsWith('data:')) requests.push(r.url()); });
  await page.goto(reportUrl, { waitUntil: 'load' });
  assert.deepEqual(errors, [], 'no console error');
  assert.deepEqual(requests, [], 'no request beyond the file itself');

  const rows = page.locator('#items tbody tr');
  assert.equal(await rows.count(), 4, 'one row per photo (one output)');
  // Default order: failures first.
  assert.deepEqual((await page.locator('#items tbody tr td:nth-child(3)').allTextContents()).slice(0, 2), ['fail', 'fail']);

  const maxDiff = page.locator('#items thead th', { hasText: 'max |diff|' });
  const column = async (): Promise<number[]> => (await page.locator('#items tbody tr td:nth-child(5)').allTextContents()).map(Number);
  await maxDiff.click();
  const desc = await column();
  assert.deepEqual(desc, [...desc].sort((a, b) => b - a), `descending after one click: ${desc}`);
  await maxDiff.click();
  const asc = await column();
  assert.deepEqual(asc, [...asc].sort((a, b) => a - b), `ascending after two: ${asc}`);
  assert.ok(asc[3]! > asc[0]!, 'the values differ (the perturbed photos have larger |diff|)');
  assert.equal(await maxDiff.getAttribute('aria-sort'), 'ascending');

  const inputHead = page.locator('#items thead th', { hasText: 'input' });
  await inputHead.click();
  const keys = await page.locator('#items tbody tr td:nth-child(1)').allTextContents();
  assert.deepEqual(keys, [...keys].sort(), 'sorted by input key');

  await page.fill('#filter', 'rocket');
  assert.equal(await rows.count(), 1, 'the filter keeps the matching row');
  await page.fill('#filter', '');
  await page.selectOption('#verdict', 'fail');
  assert.deepEqual((await page.locator('#items tbody tr td:nth-child(1)').allTextContents()).sort(), [...PERTURBED]);
  assert.deepEqual(errors, [], 'still no console error after interacting');
  await page.close();
});

test('the heatmaps, thumbnails and plots are drawn', { skip: missing ?? false }, async () => {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(reportUrl, { waitUntil: 'load' });
  const heatmaps = page.locator('img.heatmap');
  assert.ok(await heatmaps.count() >= 3, 'a heatmap per channel of the worst inputs');
  // Every image decoded (naturalWidth > 0) and the heatmap of the perturbed channel is not flat.
  const decoded = await page.$$eval('img', (imgs) => imgs.map((i) => { const im = i as unknown as { complete: boolean; naturalWidth: number }; return im.complete && im.naturalWidth > 0; }));
  assert.ok(decoded.length > 0 && decoded.every(Boolean), 'every picture decodes');
  assert.ok(await spread(await heatmaps.first().screenshot()) > 10, 'the first heatmap (the bump channel) has visible structure');
  assert.ok(await spread(await page.locator('.thumb img').first().screenshot()) > 10, 'the thumbnail is a picture');
  const plots = page.locator('svg.plot');
  assert.equal(await plots.count(), 2, 'histogram and scatter for the one output');
  for (let i = 0; i < 2; i++) assert.ok(await spread(await plots.nth(i).screenshot()) > 10, `plot ${i} is drawn`);
  assert.ok(await page.locator('svg.plot circle.pt.bad').count() > 0, 'the scatter marks elements outside the tolerance');
  assert.equal(await page.locator('svg.plot polyline.tol').count(), 1, 'the tolerance line atol + rtol·|b| is drawn');
  const shot = process.env.TRT_PARITY_SCREENSHOT;
  if (shot) {
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.screenshot({ path: shot, fullPage: true });
  }
  await page.close();
});
