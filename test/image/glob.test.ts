import { describe, test } from 'node:test';
import assert from 'node:assert/strict';

import { globDepth, globToRegExp, hasGlobMagic, splitGlob } from '../../src/image/glob.js';

describe('globToRegExp', () => {
  const table: [string, string[], string[]][] = [
    // pattern, matches, does not match
    ['*.jpg', ['a.jpg', 'x.y.jpg', 'jpg.jpg'], ['a.png', 'd/a.jpg', '.hidden.jpg', 'a.JPG']],
    ['img?.png', ['img1.png', 'imgA.png'], ['img.png', 'img12.png', 'img/.png']],
    ['**/*.jpg', ['a.jpg', 'd/a.jpg', 'd/e/f/a.jpg'], ['d/.h/a.jpg', '.d/a.jpg', 'a.png']],
    ['d/**', ['d/a', 'd/e/f'], ['d', 'e/a', 'd/.x']],
    ['d/**/x/*.png', ['d/x/1.png', 'd/a/b/x/1.png'], ['d/a/x', 'd/x/y/1.png']],
    ['[ab]*.jpg', ['a1.jpg', 'b.jpg'], ['c.jpg', 'A.jpg']],
    ['[!ab]*.jpg', ['c.jpg', 'z9.jpg'], ['a.jpg', 'b.jpg', '.c.jpg']],
    ['[^a]?.jpg', ['bc.jpg'], ['ac.jpg']],
    ['img[0-9].png', ['img0.png', 'img7.png'], ['imga.png', 'img10.png']],
    ['[]x]y', [']y', 'xy'], ['y']],
    ['a[b', ['a[b'], ['ab']],
    ['a+b(1).jpg', ['a+b(1).jpg'], ['aab1.jpg']],
    ['$^.jpg', ['$^.jpg'], ['x.jpg']],
  ];
  for (const [pattern, yes, no] of table) {
    test(pattern, () => {
      const re = globToRegExp(pattern);
      for (const s of yes) assert.ok(re.test(s), `${pattern} should match ${s}`);
      for (const s of no) assert.ok(!re.test(s), `${pattern} should not match ${s}`);
    });
  }
});

test('splitGlob cuts at the last folder without magic', () => {
  assert.deepEqual(splitGlob('data/val/**/*.jpg'), { base: 'data/val', rest: '**/*.jpg' });
  assert.deepEqual(splitGlob('*.jpg'), { base: '', rest: '*.jpg' });
  assert.deepEqual(splitGlob('/abs/x/*.png'), { base: '/abs/x', rest: '*.png' });
  assert.deepEqual(splitGlob('/*.png'), { base: '/', rest: '*.png' });
  assert.deepEqual(splitGlob('a/b?/c.jpg'), { base: 'a', rest: 'b?/c.jpg' });
});

test('hasGlobMagic and globDepth', () => {
  assert.deepEqual(['a.jpg', 'a*.jpg', 'a?.jpg', 'a[1].jpg', 'a{1}.jpg'].map(hasGlobMagic), [false, true, true, true, false]);
  assert.equal(globDepth('*.jpg'), 1);
  assert.equal(globDepth('a/*/b.jpg'), 3);
  assert.equal(globDepth('a/**/b.jpg'), Infinity);
});
