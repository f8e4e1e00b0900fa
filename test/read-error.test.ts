import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeReadError } from '../src/read-error.js';

/** The error node's readFile really throws for `path`. */
async function readError(path: string): Promise<unknown> {
  try {
    await readFile(path);
  } catch (err) {
    return err;
  }
  throw new Error(`${path} was readable`);
}

describe('describeReadError', () => {
  test('a missing file and a directory get a short reason without the path (the InputError names it)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'trt-parity-read-error-'));
    assert.equal(describeReadError(await readError(join(dir, 'missing.npy'))), 'no such file or directory');
    assert.equal(describeReadError(await readError(dir)), 'is a directory, expected a file');
  });

  test('permission errors by code; anything else keeps its message', () => {
    assert.equal(describeReadError(Object.assign(new Error('x'), { code: 'EACCES' })), 'permission denied');
    assert.equal(describeReadError(Object.assign(new Error('x'), { code: 'EPERM' })), 'permission denied');
    assert.equal(describeReadError(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })), 'cannot read: EIO: i/o error');
    assert.equal(describeReadError('odd'), 'cannot read: odd');
  });
});
