import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { choosePreprocess } from '../../src/app/preprocess-choice.js';
import { UsageError } from '../../src/errors.js';
import { DEFAULT_PREPROCESS_SPEC } from '../../src/image/preprocess-spec.js';
import { fixture } from '../helpers/paths.js';

// The bundled runs record the pipeline that made their inputs (fixtures/runs/*/manifest.json: "preprocess"),
// which is the default (pil); `run` is a copy of one that says `sharp`, so that "taken from the run" is visible.
const classifier = fixture('models', 'classifier.onnx');
let run: string;
let dir: string;
let ultralytics: string;

/**
 * classifier.onnx with metadata_props {author: "Ultralytics"} appended, as an Ultralytics exporter writes
 * it: ModelProto field 14 (StringStringEntryProto: key = 1, value = 2), length-delimited. A protobuf field
 * may follow the others, so appending it is a valid ModelProto (onnx.proto, protobuf encoding spec).
 */
function withAuthor(model: Uint8Array, author: string): Uint8Array {
  const str = (field: number, text: string): number[] => [(field << 3) | 2, text.length, ...Buffer.from(text, 'ascii')];
  const entry = [...str(1, 'author'), ...str(2, author)];
  return Buffer.concat([model, Buffer.from([(14 << 3) | 2, entry.length, ...entry])]);
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trt-parity-choice-'));
  ultralytics = join(dir, 'yolo.onnx');
  run = join(dir, 'run-sharp');
  await cp(fixture('runs', 'classifier-numpy'), run, { recursive: true });
  const manifest = JSON.parse(await readFile(join(run, 'manifest.json'), 'utf8'));
  await writeFile(join(run, 'manifest.json'), JSON.stringify({ ...manifest, preprocess: { ...manifest.preprocess, pipeline: 'sharp' } }));
  await writeFile(ultralytics, withAuthor(await readFile(classifier), 'Ultralytics'));
});
after(() => rm(dir, { recursive: true, force: true }));

describe('choosePreprocess', () => {
  test('nothing given, nothing recorded: the defaults, no note', async () => {
    const c = await choosePreprocess({}, [classifier, classifier]);
    assert.equal(c.spec.pipeline, DEFAULT_PREPROCESS_SPEC.pipeline);
    assert.equal(c.note, null);
  });

  test('a saved run\'s recorded pipeline applies when none is given, and the report says where it came from', async () => {
    const c = await choosePreprocess({}, [classifier, run]);
    assert.equal(c.spec.pipeline, 'sharp');
    assert.equal(c.note, `--pipeline sharp taken from the saved run ${run}`);
  });

  test('a given pipeline that differs from a saved run\'s is a usage error naming both', async () => {
    await assert.rejects(choosePreprocess({ pipeline: 'pil' }, [classifier, run]), (e: unknown) => e instanceof UsageError
      && e.message === `${run} was saved from inputs made with --pipeline sharp; this run uses --pipeline pil`);
    const same = await choosePreprocess({ pipeline: 'sharp' }, [classifier, run]);
    assert.equal(same.spec.pipeline, 'sharp');
    assert.equal(same.note, null, 'given, not taken');
  });

  test('an Ultralytics export asks for its letterbox pipeline unless one is given', async () => {
    const c = await choosePreprocess({}, [ultralytics, ultralytics]);
    assert.equal(c.spec.pipeline, 'ultralytics');
    assert.equal(c.note, `--pipeline ultralytics taken from ${ultralytics}'s metadata (an Ultralytics export)`);
    assert.equal((await choosePreprocess({ pipeline: 'sharp' }, [ultralytics, ultralytics])).spec.pipeline, 'sharp', 'a model\'s wish is not binding');
  });

  test('bad options fail first; an unreadable path is left to the backend that opens it', async () => {
    await assert.rejects(choosePreprocess({ std: [0, 1, 1] }, [run]), UsageError);
    const c = await choosePreprocess({}, ['/nonexistent/model.onnx', classifier]);
    assert.equal(c.spec.pipeline, DEFAULT_PREPROCESS_SPEC.pipeline);
  });
});
