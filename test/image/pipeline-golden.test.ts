/**
 * Every exact --pipeline against tensors made by the real Python libraries on the same files
 * (scripts/oracle/make_preprocess_goldens.py; versions in fixtures/golden/pipelines/versions.json),
 * compared byte for byte: atol = 0, rtol = 0.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { decodeImage } from '../../src/image/decode.js';
import { loadImageTensor } from '../../src/image/image-tensor.js';
import { decodeConventions } from '../../src/image/pipeline.js';
import type { PipelineName, PreprocessSpecInput } from '../../src/image/preprocess-spec.js';
import { bytesOf } from '../../src/tensor/dtype.js';
import { readNpy } from '../../src/tensor/npy.js';
import { fixture } from '../helpers/paths.js';

interface GoldenCase {
  readonly name: string;
  readonly pipeline: PipelineName;
  readonly file: string;
  readonly size: [number, number];
  readonly options: { mean?: [number, number, number]; std?: [number, number, number]; resizeShorter?: number; bgr?: boolean };
}
interface Decoded { readonly shape: number[]; readonly sha256: string }

const dir = fixture('golden', 'pipelines');
const golden = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as {
  cases: GoldenCase[];
  decoded: Record<string, { pil: Decoded; opencv: Decoded }>;
};

describe('each pipeline is bit-identical to its Python code (atol 0, rtol 0)', () => {
  for (const c of golden.cases) {
    test(`${c.name}: ${c.pipeline} ${c.file} -> ${c.size[0]}x${c.size[1]}`, async () => {
      const [height, width] = c.size;
      const spec: PreprocessSpecInput = {
        pipeline: c.pipeline,
        mean: c.options.mean,
        std: c.options.std,
        resizeShorter: c.options.resizeShorter,
        channelOrder: c.options.bgr ? 'bgr' : undefined,
      };
      const { tensor, notes } = await loadImageTensor(fixture('images', c.file), { name: 'x', layout: 'nchw', dtype: 'float32', size: { height, width } }, spec);
      const want = readNpy(readFileSync(join(dir, `${c.name}.npy`)), c.name);
      assert.equal(tensor.dtype, 'float32');
      assert.deepEqual(tensor.shape, want.shape);
      const a = bytesOf(tensor.data);
      const b = bytesOf(want.data);
      let first = -1;
      let count = 0;
      for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) { if (first < 0) first = i; count++; }
      assert.equal(first, -1, `${count} of ${a.length} bytes differ, the first at byte ${first}`);
      assert.deepEqual(notes, [], 'an exact case carries no "not exact" note');
    });
  }
});

describe('decoded bytes equal PIL\'s and OpenCV\'s under each pipeline\'s conventions', () => {
  // PIL opens 16-bit greyscale as mode I;16 and clips it at 255 in convert('RGB'): the one decode that
  // differs on purpose (the pil pipeline flags such files as not exact, see image-tensor.test.ts).
  const knownDifferent = new Set(['edge/grey16.png pil']);
  for (const [file, want] of Object.entries(golden.decoded)) {
    for (const [lib, pipeline] of [['pil', 'pil'], ['opencv', 'opencv']] as const) {
      const differs = knownDifferent.has(`${file} ${lib}`);
      test(`${file} ${differs ? 'differs from' : 'as'} ${lib}${differs ? '' : ' decodes it'}`, async () => {
        const image = await decodeImage(fixture('images', file), decodeConventions(pipeline));
        assert.deepEqual([image.height, image.width, 3], want[lib].shape);
        const digest = createHash('sha256').update(image.data).digest('hex');
        if (differs) assert.notEqual(digest, want[lib].sha256);
        else assert.equal(digest, want[lib].sha256);
      });
    }
  }

  test('the EXIF-rotated file differs between the two, as it should (PIL ignores the orientation)', () => {
    const d = golden.decoded['pipeline/exif-rot8.jpg']!;
    assert.notDeepEqual(d.pil.shape, d.opencv.shape);
  });

  test('the ICC-tagged file: sharp by default converts (the sharp pipeline), the exact pipelines do not', async () => {
    const path = fixture('images', 'pipeline', 'icc-p3.jpg');
    const converted = await decodeImage(path, decodeConventions('sharp'));
    const raw = await decodeImage(path, decodeConventions('pil'));
    assert.equal(raw.hasIcc, true);
    assert.notEqual(createHash('sha256').update(converted.data).digest('hex'), golden.decoded['pipeline/icc-p3.jpg']!.pil.sha256);
    assert.equal(createHash('sha256').update(raw.data).digest('hex'), golden.decoded['pipeline/icc-p3.jpg']!.pil.sha256);
  });
});
