import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { discoverImages, hasImageExtension } from '../../src/image/discover.js';
import { InputError, UsageError } from '../../src/errors.js';
import { fixture } from '../helpers/paths.js';

let root = '';
const p = (...parts: string[]): string => join(root, ...parts);
const keys = async (...args: string[]): Promise<string[]> => (await discoverImages(args)).map((i) => i.key);

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'trt-parity-discover-'));
  // Files need not be images: discovery looks at names only.
  const files = [
    'set/b.jpg', 'set/a.PNG', 'set/notes.txt', 'set/.hidden.jpg', 'set/sub/c.webp', 'set/sub/deeper/d.tiff',
    'set/.git/e.jpg', 'set/x1.gif', 'set/x2.avif', 'set/y.jpeg', 'set/z.tif',
    'other/b.jpg', 'empty/readme.md', 'misc/model.bin',
  ];
  for (const f of files) {
    await mkdir(join(root, f, '..'), { recursive: true });
    await writeFile(join(root, f), 'x');
  }
  await symlink(p('set'), p('set', 'sub', 'loop')); // a cycle must not hang the walk
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('discoverImages', () => {
  test('a folder: recursive, image extensions in any case, hidden entries skipped, keys relative with /, sorted', async () => {
    assert.deepEqual(await keys(p('set')), ['a.PNG', 'b.jpg', 'sub/c.webp', 'sub/deeper/d.tiff', 'x1.gif', 'x2.avif', 'y.jpeg', 'z.tif']);
  });

  test('paths keep the argument as given', async () => {
    const [first] = await discoverImages([p('set')]);
    assert.equal(first?.path, join(root, 'set', 'a.PNG'));
  });

  test('a file named explicitly is taken whatever its extension; its key is the basename', async () => {
    assert.deepEqual(await discoverImages([p('misc', 'model.bin')]), [{ path: p('misc', 'model.bin'), key: 'model.bin' }]);
  });

  test('a glob: keys relative to its static prefix', async () => {
    assert.deepEqual(await keys(p('set', '*.jpg')), ['b.jpg']);
    assert.deepEqual(await keys(p('set', '**', '*.webp')), ['sub/c.webp']);
    assert.deepEqual(await keys(p('set', '**', '*')), ['a.PNG', 'b.jpg', 'sub/c.webp', 'sub/deeper/d.tiff', 'x1.gif', 'x2.avif', 'y.jpeg', 'z.tif']);
    assert.deepEqual(await keys(p('set', 'x?.*')), ['x1.gif', 'x2.avif']);
    assert.deepEqual(await keys(p('set', '[xy]*')), ['x1.gif', 'x2.avif', 'y.jpeg']);
    assert.deepEqual(await keys(p('set', '*', '*')), ['sub/c.webp']);
    assert.deepEqual(await keys(p('*', 'b.jpg')), ['other/b.jpg', 'set/b.jpg']);
  });

  test('a glob only takes image extensions', async () => {
    await assert.rejects(discoverImages([p('set', '*.txt')]), /no images found in glob/);
  });

  test('a glob that names a hidden folder may enter it', async () => {
    assert.deepEqual(await keys(p('set', '.git', '*.jpg')), ['e.jpg']);
    assert.deepEqual(await keys(p('set', '.*', '*.jpg')), ['.git/e.jpg']);
  });

  test('the same file twice is listed once', async () => {
    assert.deepEqual(await keys(p('set', 'b.jpg'), p('set', 'b.jpg'), p('set', '*.jpg')), ['b.jpg']);
  });

  test('two files with one key: UsageError naming both', async () => {
    await assert.rejects(discoverImages([p('set', 'b.jpg'), p('other', 'b.jpg')]), (err: unknown) => {
      assert.ok(err instanceof UsageError);
      assert.equal(err.message, `two images have the same key 'b.jpg': ${p('set', 'b.jpg')} and ${p('other', 'b.jpg')}`);
      return true;
    });
    await assert.rejects(discoverImages([p('set'), p('other')]), UsageError);
  });

  test('a missing path is an InputError naming it', async () => {
    await assert.rejects(discoverImages([p('nope.jpg')]), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.equal(err.message, `${p('nope.jpg')}: no such file or folder`);
      return true;
    });
  });

  test('a folder without images: "no images found in …", never an empty list', async () => {
    await assert.rejects(discoverImages([p('empty')]), (err: unknown) => {
      assert.ok(err instanceof InputError);
      assert.match(err.message, new RegExp(`^no images found in folder '${p('empty').replaceAll('\\', '\\\\')}' \\(searched subfolders too\\); looked for \\.jpg`));
      return true;
    });
    await assert.rejects(discoverImages([p('set', '*.bmp')]), InputError);
    await assert.rejects(discoverImages([p('missing-dir', '*.jpg')]), /no images found in glob/);
  });

  test('no arguments is a usage error', async () => {
    await assert.rejects(discoverImages([]), UsageError);
  });

  test('the demo folder of fixtures', async () => {
    assert.deepEqual(await keys(fixture('images', 'photos')), ['astronaut.jpg', 'chelsea.jpg', 'coffee.jpg', 'rocket.jpg']);
  });
});

test('hasImageExtension', () => {
  assert.deepEqual(['a.JPG', 'a.jpeg', 'a.Tiff', 'a.avif', 'a.bmp', 'a', 'jpg'].map(hasImageExtension), [true, true, true, true, false, false, false]);
});
