import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { toJUnit } from '../../src/report/junit.js';
import { compared, errored, f32, map, report } from './sample-report.js';

const PYTHON = '/usr/bin/python3';

function sample() {
  return report([
    compared('a<b&"c".jpg', map({ logits: f32([1, 2]), 'x<y': f32([1]) }), map({ logits: f32([1, 2]), 'x<y': f32([2]) })),
    compared('ok.jpg', map({ logits: f32([1, 2]), 'x<y': f32([1]) }), map({ logits: f32([1, 2]), 'x<y': f32([1]) })),
    errored('ctl\u0001.jpg', 3, 'engine failed: bad\u0007bell & <stuff>', ['try "--device 1"']),
  ], { first: 'm&m.onnx', second: 'm<1>.engine' });
}

describe('toJUnit', () => {
  test('one testcase per input × output, errors as <error>, counts in both headers', () => {
    const xml = toJUnit(sample());
    assert.ok(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'));
    assert.match(xml, /<testsuites name="trt-parity" tests="5" failures="1" errors="1" time="1\.234">/);
    assert.match(xml, /<testsuite name="m&amp;m\.onnx vs m&lt;1&gt;\.engine" tests="5" failures="1" errors="1" skipped="0">/);
    assert.equal(xml.match(/<testcase /g)?.length, 5);
    assert.equal(xml.match(/<failure /g)?.length, 1);
    assert.equal(xml.match(/<error /g)?.length, 1);
    // durationMs 1234.5 → toFixed(3) gives 1.234 (1.2345 is below the tie in binary). Item timing: (first 1 + second 3 + preprocess 2) ms.
    assert.ok(xml.includes('<testcase classname="ok.jpg" name="logits" time="0.006000"/>'));
    assert.ok(xml.includes('<testcase classname="a&lt;b&amp;&quot;c&quot;.jpg" name="x&lt;y" time="0.006000">'));
    assert.ok(xml.includes('<failure message="x&lt;y: 1 of 1 elements (100%) exceed atol=1e-5 + rtol=0.001*|second|">'));
    assert.ok(xml.includes('<testcase classname="ctl?.jpg" name="(input)" time="0.000500">'));
    assert.ok(xml.includes('<error message="engine failed: bad?bell &amp; &lt;stuff&gt;">engine failed: bad?bell &amp; &lt;stuff&gt;\ntry &quot;--device 1&quot;</error>'));
  });

  test('no raw markup characters or forbidden control characters survive', () => {
    const xml = toJUnit(sample());
    assert.doesNotMatch(xml, /[\u0000-\u0008\u000b\u000c\u000e-\u001f]/);
    // Inside attribute values and text, every '<' must start a tag we wrote: strip our tags and nothing may remain.
    const stripped = xml.replace(/<\?xml[^>]*\?>/, '').replace(/<\/?(testsuites|testsuite|testcase|failure|error)(\s+[a-z]+="[^"<&]*(?:&(?:amp|lt|gt|quot);[^"<&]*)*")*\s*\/?>/g, '');
    assert.doesNotMatch(stripped, /[<>"]/);
    assert.doesNotMatch(stripped, /&(?!(amp|lt|gt|quot);)/);
  });

  test('a real XML parser accepts it', { skip: existsSync(PYTHON) ? false : `${PYTHON} not found (CI without Debian python)` }, () => {
    const script = 'import sys, xml.dom.minidom as m; d = m.parseString(sys.stdin.buffer.read()); '
      + 'print(len(d.getElementsByTagName("testcase")), d.getElementsByTagName("error")[0].getAttribute("message"), d.getElementsByTagName("testcase")[0].getAttribute("classname"))';
    const r = spawnSync(PYTHON, ['-c', script], { input: toJUnit(sample()), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), '5 engine failed: bad?bell & <stuff> a<b&"c".jpg');
  });

  test('all passing: no failures, no errors', () => {
    const xml = toJUnit(report([compared('a', map({ y: f32([1]) }), map({ y: f32([1]) }))]));
    assert.match(xml, /tests="1" failures="0" errors="0"/);
    assert.ok(!xml.includes('<failure'));
  });
});

describe('toJUnit: a failed item with backend log lines', () => {
  test('the error body holds the message, the hints, then each log line', () => {
    const xml = toJUnit(report([errored('d.jpg', 3, 'engine failed', ['hint one'], ['[TRT] [E] <first>'])]));
    assert.ok(xml.includes('<error message="engine failed">engine failed\nhint one\nlog: [TRT] [E] &lt;first&gt;</error>'), xml);
  });
});
