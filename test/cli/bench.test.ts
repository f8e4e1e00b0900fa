import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { fixture } from '../helpers/paths.js';
import { cli, shown } from './run-cli.js';

const DYNAMIC = fixture('models', 'classifier-dynamic.onnx');

describe('bench --max-tensor-bytes', () => {
  test('--shape x=1x3x100000x100000 is an input error (exit 2): one line naming the tensor and its size, no stack', async () => {
    const r = await cli(['bench', DYNAMIC, '--shape', 'input=1x3x100000x100000', '--duration', '0.1']);
    assert.equal(r.code, 2, shown(r));
    const lines = r.stderr.trim().split('\n');
    assert.match(lines[0]!, /^trt-parity: --shape input: \[1,3,100000,100000\] of float32 is 112 GiB, over the limit of /, shown(r));
    assert.equal(lines[1], '  hint: raise --max-tensor-bytes if this machine has the memory');
    assert.equal(lines.length, 2, shown(r));
  });

  test('the option is honoured: 1x3x64x64 float32 (48 KiB) under --max-tensor-bytes 40K is refused; a bad value is a usage error', async () => {
    const r = await cli(['bench', DYNAMIC, '--shape', 'input=1x3x64x64', '--max-tensor-bytes', '40K', '--duration', '0.1']);
    assert.equal(r.code, 2, shown(r));
    assert.match(r.stderr, /^trt-parity: --shape input: \[1,3,64,64\] of float32 is 48 KiB, over the limit of 40 KiB\n/, shown(r));
    const bad = await cli(['bench', DYNAMIC, '--max-tensor-bytes', 'lots']);
    assert.equal(bad.code, 2, shown(bad));
    assert.match(bad.stderr, /--max-tensor-bytes/);
  });
});
