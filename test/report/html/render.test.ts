import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseReport } from '../../../src/app/merge.js';
import { htmlReport } from '../../../src/report/html/index.js';
import type { CompareReport } from '../../../src/report/model/compare.js';
import { summarize } from '../../../src/report/model/compare.js';

const KEY = 'evil</script><img src=x onerror=alert(1)>.jpg';

function report(): CompareReport {
  const items = [{ key: KEY, path: null, status: 'error' as const, outputs: [], warnings: [], error: { reason: 'input', exitCode: 2, message: `${KEY}: truncated`, hints: [], logs: [] }, timing: { preprocessMs: 1, firstMs: null, secondMs: null } }];
  return {
    schema: 'trt-parity/compare', schemaVersion: 1, tool: { name: 'trt-parity', version: '0.1.0' },
    first: { backend: 'onnxruntime', source: 'a.onnx', outputs: [] }, second: { backend: 'onnxruntime', source: 'b.onnx', outputs: [] },
    settings: { tolerance: { default: { rtol: 1e-3, atol: 1e-5 }, perOutput: {} }, allowNonFinite: false, failFast: false, preprocess: null },
    items, warnings: ['<b>not bold</b>'], summary: summarize(items, 0), durationMs: 5,
  } as CompareReport;
}

test('the page references nothing outside itself and escapes what the run put in it', async () => {
  const html = await htmlReport(report(), null);
  assert.match(html, /Content-Security-Policy" content="default-src 'none'; img-src data:;/);
  assert.doesNotMatch(html, /(src|href)="(?!data:)[^"]*"/, 'every src/href is a data: URI');
  assert.doesNotMatch(html, /https?:\/\//, 'no URL at all');
  assert.ok(!html.includes('<img src=x'), 'an input key is text, never markup');
  assert.ok(!html.includes('<b>not bold</b>'));
  assert.equal(html.match(/<\/script>/g)!.length, 2, 'only the two script blocks end: the embedded JSON cannot close its block');
});

test('merge reads the report back from the page exactly', async () => {
  const r = report();
  const back = parseReport(await htmlReport(r, null), 'r.html');
  assert.deepEqual(back.report, r);
  assert.equal(back.figures, null);
});

test('control characters in names are shown as escapes in the page, and the embedded report keeps the name exactly', async () => {
  const { HOSTILE, HOSTILE_SHOWN } = await import('../hostile-strings.js');
  const r = report();
  const key = `cat${HOSTILE}.jpg`;
  const hostile = { ...r, items: r.items.map((i) => ({ ...i, key, error: { ...i.error!, message: `${key}: truncated` } })), warnings: [HOSTILE] } as CompareReport;
  const html = await htmlReport(hostile, null);
  assert.doesNotMatch(html.replace(/\n/g, ''), /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
  assert.ok(html.includes(`cat${HOSTILE_SHOWN}.jpg`));
  assert.equal(parseReport(html, 'r.html').report.items[0]!.key, key);
});
