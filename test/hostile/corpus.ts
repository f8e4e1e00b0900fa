/**
 * The hostile-input corpus: about 1,200 command lines a careless user or a CI system could type,
 * each with what trt-parity must do. Built into a fresh folder from the committed fixtures, a
 * seeded generator (the same corpus on every machine) and a few special files (FIFOs, a socket,
 * device files, link loops).
 *
 * Expectations, checked by run-hostile.ts for every case:
 * - never a crash (signal, exit 4, exit > 3 other than by a signal we sent), a hang (per-case
 *   timeout), a stack trace or an "internal error";
 * - `bad`: exit 2 or 3, and one line of output names `names` (the file or option at fault);
 * - `any`: any of exit 0..3 (a corruption that may still decode: a flipped bit in pixel data);
 * - `folder`: the good images of the folder are reported as passing, the bad ones as errors.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { writeNpy } from '../../src/tensor/npy.js';
import { writeFailingModel } from '../doubles/failing-model.js';
import { writeNamedModel } from '../doubles/named-model.js';
import { fixture } from '../helpers/paths.js';

export type Expect = 'bad' | 'any' | 'folder';

export interface HostileCase {
  /** Unique, stable id: "<kind>/<what>". */
  readonly id: string;
  /** The family, for sampling and the summary: image, model, engine, npy, saved, special, option, folder. */
  readonly kind: string;
  readonly args: readonly string[];
  readonly expect: Expect;
  /** For `bad`: a string one output line must contain (the file or the option). */
  readonly names?: string;
  /** For `folder`: keys that must pass, keys that must be errors, and the --json file to read them from. */
  readonly good?: readonly string[];
  readonly broken?: readonly string[];
  readonly json?: string;
}

export interface Corpus {
  readonly dir: string;
  readonly cases: readonly HostileCase[];
  /** Close what the corpus holds open (the socket's server). */
  close(): Promise<void>;
}

/** mulberry32: the same bytes on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const AFFINE = fixture('models', 'affine.onnx');
const CLASSIFIER = fixture('models', 'classifier.onnx');

export async function buildCorpus(dir: string): Promise<Corpus> {
  const cases: HostileCase[] = [];
  const rand = rng(13);
  const bytesOf = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(rand() * 256)));
  const sub = (name: string): string => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    return d;
  };
  const good = fixture('images', 'photos', 'rocket.jpg');
  const tiny = join(sub('ok'), 'tiny.png');
  writeFileSync(tiny, pngOf(8, 8, 3));

  // ---- images: compare affine affine IMAGE --------------------------------------------------
  const images = sub('images');
  const imageSources = [
    ...['astronaut.jpg', 'chelsea.jpg', 'coffee.jpg', 'rocket.jpg'].map((f) => fixture('images', 'photos', f)),
    ...['chelsea.webp', 'chelsea.tif', 'chelsea.avif', 'palette.png', 'rgba.png', 'anim.gif', 'rgb16.png', 'gray.jpg', 'cmyk.jpg', 'exif-rot6.jpg'].map((f) => fixture('images', 'edge', f)),
  ];
  const imageCase = (id: string, path: string, expect: Expect): void => {
    cases.push({ id, kind: 'image', args: ['compare', AFFINE, AFFINE, path], expect, names: path });
  };
  for (const src of imageSources) {
    const bytes = readFileSync(src);
    const base = src.split('/').pop()!;
    // Cut anywhere before the last 10%: the pixel data is incomplete, so the file is bad input.
    for (let k = 0; k < 14; k++) {
      const at = Math.floor(((k + 0.5) / 14) * bytes.length * 0.9);
      const p = join(images, `cut${at}-${base}`);
      writeFileSync(p, bytes.subarray(0, at));
      // Only the first frame of a GIF is used: a cut after it leaves a complete image.
      imageCase(`image/truncated/${base}@${at}`, p, base.endsWith('.gif') ? 'any' : 'bad');
    }
    // A few flipped bytes anywhere: may still decode (pixel data) or not (headers); never a crash.
    for (let k = 0; k < 12; k++) {
      const copy = Buffer.from(bytes);
      const flips = 1 + Math.floor(rand() * 8);
      for (let f = 0; f < flips; f++) copy[Math.floor(rand() * copy.length)] = Math.floor(rand() * 256);
      const p = join(images, `flip${k}-${base}`);
      writeFileSync(p, copy);
      imageCase(`image/flipped/${base}#${k}`, p, 'any');
    }
  }
  for (const ext of ['jpg', 'jpeg', 'png', 'webp', 'tif', 'gif', 'avif', 'bmp', 'txt']) {
    const e = join(images, `empty.${ext}`);
    writeFileSync(e, '');
    imageCase(`image/empty/${ext}`, e, 'bad');
    for (let k = 0; k < 4; k++) {
      const p = join(images, `random${k}.${ext}`);
      writeFileSync(p, bytesOf(16 + Math.floor(rand() * 5000)));
      imageCase(`image/random/${ext}#${k}`, p, 'bad');
    }
    const t = join(images, `text.${ext}`);
    writeFileSync(t, 'this is not an image\n'.repeat(20));
    imageCase(`image/text/${ext}`, t, 'bad');
  }
  // A JPEG whose frame header promises more rows and columns than its scan holds.
  const jpeg = readFileSync(good);
  // Larger than the scan: rows are missing, so it is bad input. Smaller (2x2), or one row as wide as the
  // scan's pixel count (1x60000): the scan fills it, the rest is ignored, as libjpeg and PIL do.
  for (const [h, w, expect] of [[4800, 6400, 'bad'], [1000, 1000, 'bad'], [65535, 65535, 'bad'], [2, 2, 'any'], [1, 60000, 'any']] as const) {
    const p = join(images, `liar-${w}x${h}.jpg`);
    writeFileSync(p, patchJpegSize(jpeg, h, w));
    imageCase(`image/liar-header/${w}x${h}`, p, expect);
  }
  // PNG headers with absurd sizes and no data.
  for (const [w, h] of [[100000, 100000], [1, 2 ** 31 - 1], [0, 0], [65535, 65535]] as const) {
    const p = join(images, `huge-${w}x${h}.png`);
    writeFileSync(p, pngHeaderOnly(w, h));
    imageCase(`image/png-header-only/${w}x${h}`, p, 'bad');
  }
  imageCase('image/bomb', fixture('images', 'edge', 'bomb.png'), 'bad');
  imageCase('image/not-an-image', fixture('images', 'edge', 'not-an-image.jpg'), 'bad');
  imageCase('image/truncated-fixture', fixture('images', 'edge', 'truncated.jpg'), 'bad');
  // Names with control characters and odd bytes: whatever they hold, never raw escapes or a crash.
  for (const [k, name] of ['\x1b[31mred\x1b[0m.jpg', 'new\nline.jpg', 'tab\there.png', ' space .jpg', '-dash.jpg', 'ünï©ødé.jpg', '%s%n.jpg'].entries()) {
    const p = join(images, name);
    writeFileSync(p, bytesOf(100));
    imageCase(`image/odd-name#${k}`, p, 'bad');
  }

  // ---- models: compare MODEL affine IMAGE ------------------------------------------------------
  const models = sub('models');
  const modelCase = (id: string, path: string, expect: Expect, second = AFFINE): void => {
    cases.push({ id, kind: 'model', args: ['compare', path, second, tiny], expect, names: path });
  };
  for (const src of [AFFINE, CLASSIFIER, fixture('models', 'two-outputs.onnx'), fixture('models', 'dtypes.onnx')]) {
    const bytes = readFileSync(src);
    const base = src.split('/').pop()!;
    for (let k = 0; k < 20; k++) {
      const at = Math.floor(((k + 0.5) / 20) * bytes.length * 0.95);
      const p = join(models, `cut${at}-${base}`);
      writeFileSync(p, bytes.subarray(0, at));
      modelCase(`model/truncated/${base}@${at}`, p, 'bad');
    }
    for (let k = 0; k < 15; k++) {
      const copy = Buffer.from(bytes);
      const flips = 1 + Math.floor(rand() * 6);
      for (let f = 0; f < flips; f++) copy[Math.floor(rand() * copy.length)] = Math.floor(rand() * 256);
      const p = join(models, `flip${k}-${base}`);
      writeFileSync(p, copy);
      modelCase(`model/flipped/${base}#${k}`, p, 'any');
    }
  }
  for (let k = 0; k < 10; k++) {
    const p = join(models, `random${k}.onnx`);
    writeFileSync(p, bytesOf(1 + Math.floor(rand() * 4000)));
    modelCase(`model/random#${k}`, p, 'bad');
  }
  const emptyOnnx = join(models, 'empty.onnx');
  writeFileSync(emptyOnnx, '');
  modelCase('model/empty', emptyOnnx, 'bad');
  const textOnnx = join(models, 'text.onnx');
  writeFileSync(textOnnx, 'ir_version: 8\ngraph { }\n');
  modelCase('model/text', textOnnx, 'bad');
  modelCase('model/image-as-model', good, 'bad');
  modelCase('model/npy-as-model', fixture('npy', 'float32.npy'), 'bad');
  modelCase('model/missing', join(models, 'missing.onnx'), 'bad');
  // A model ONNX Runtime loads but cannot run on any input: said once, naming it (exit 3), not one ERROR row per image.
  const fails = writeFailingModel(join(models, 'fails-at-run-time.onnx'));
  const five = join(models, 'five-images');
  mkdirSync(five);
  for (let i = 0; i < 5; i++) copyFileSync(good, join(five, `r${i}.jpg`));
  cases.push({ id: 'model/fails-at-run-time', kind: 'model', args: ['compare', fails, fails, five], expect: 'bad', names: fails });
  // Two models that are not the same model.
  modelCase('model/mismatched-pair', CLASSIFIER, 'bad', fixture('models', 'two-outputs.onnx'));

  // ---- engines: compare ENGINE affine IMAGE ---------------------------------------------------
  const engines = sub('engines');
  for (const ext of ['engine', 'plan', 'trt']) {
    for (let k = 0; k < 6; k++) {
      const p = join(engines, `random${k}.${ext}`);
      writeFileSync(p, bytesOf(1 + Math.floor(rand() * 3000)));
      cases.push({ id: `engine/random/${ext}#${k}`, kind: 'engine', args: ['compare', p, AFFINE, tiny], expect: 'bad', names: p });
    }
    for (const [k, body] of [ftrt(8, 6, 1, 6, 100), ftrt(10, 0, 1, 6, 4), ftrt(99, 99, 99, 99, 10), ftrt(10, 16, 0, 0, 2 ** 40), Buffer.from('ftrt'), Buffer.from('ptrt0000000000000000000000000000'), Buffer.from('')].entries()) {
      const p = join(engines, `header${k}.${ext}`);
      writeFileSync(p, body);
      cases.push({ id: `engine/header/${ext}#${k}`, kind: 'engine', args: ['compare', p, AFFINE, tiny], expect: 'bad', names: p });
      cases.push({ id: `engine/inspect/${ext}#${k}`, kind: 'engine', args: ['inspect', p], expect: 'bad', names: p });
    }
  }

  // ---- .npy: compare affine affine --input x=FILE ----------------------------------------------
  const npys = sub('npy');
  const npyCase = (id: string, path: string, expect: Expect = 'bad'): void => {
    cases.push({ id, kind: 'npy', args: ['compare', AFFINE, AFFINE, '--input', `x=${path}`], expect, names: path });
  };
  const goodNpy = Buffer.from(writeNpy({ dtype: 'float32', shape: [1, 3, 4, 5], data: new Float32Array(60).fill(0.5) }));
  writeFileSync(join(npys, 'good.npy'), goodNpy);
  for (let at = 0; at < goodNpy.length - 1; at += 7) {
    const p = join(npys, `cut${at}.npy`);
    writeFileSync(p, goodNpy.subarray(0, at));
    npyCase(`npy/truncated@${at}`, p);
  }
  for (let k = 0; k < 40; k++) {
    const copy = Buffer.from(goodNpy);
    // Flip inside the header only: a flipped data byte is just another valid tensor.
    copy[Math.floor(rand() * 118)] = Math.floor(rand() * 256);
    const p = join(npys, `flip${k}.npy`);
    writeFileSync(p, copy);
    npyCase(`npy/flipped-header#${k}`, p, 'any');
  }
  const headers: [string, string, number][] = [
    ['huge-shape', "{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100000), }", 16],
    ['overflow-shape', "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }", 16],
    ['negative-shape', "{'descr': '<f4', 'fortran_order': False, 'shape': (-1, 3), }", 16],
    ['float64', "{'descr': '<f8', 'fortran_order': False, 'shape': (1, 3, 4, 5), }", 480],
    ['object', "{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", 24],
    ['structured', "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (3,), }", 12],
    ['string', "{'descr': '<U10', 'fortran_order': False, 'shape': (3,), }", 120],
    ['extra-key', "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 4, 5), 'x': 1, }", 240],
    ['missing-key', "{'descr': '<f4', 'shape': (1, 3, 4, 5), }", 240],
    ['not-a-dict', '[1, 2, 3]', 0],
    ['empty-header', '', 0],
    ['python-code', "__import__('os').system('echo pwned')", 0],
    ['wrong-rank', "{'descr': '<f4', 'fortran_order': False, 'shape': (60,), }", 240],
    ['wrong-dtype', "{'descr': '<i4', 'fortran_order': False, 'shape': (1, 3, 4, 5), }", 240],
    ['wrong-channels', "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 4, 4, 5), }", 320],
    ['zero-size', "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 0, 5), }", 0],
    ['scalar', "{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 4],
    ['too-little-data', "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 400, 500), }", 240],
    ['too-much-data', "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3, 4, 5), }", 4000],
    ['bool-input', "{'descr': '|b1', 'fortran_order': False, 'shape': (1, 3, 4, 5), }", 60],
    ['float16-input', "{'descr': '<f2', 'fortran_order': False, 'shape': (1, 3, 4, 5), }", 120],
  ];
  for (const [name, dict, dataBytes] of headers) {
    for (const version of [1, 2, 3]) {
      const p = join(npys, `${name}-v${version}.npy`);
      writeFileSync(p, Buffer.concat([npyHeader(dict, version), bytesOf(dataBytes)]));
      npyCase(`npy/header/${name}/v${version}`, p, name.startsWith('wrong') || name === 'too-little-data' || name === 'too-much-data' ? 'bad' : 'any');
    }
  }
  for (const [name, bytes] of [
    ['bad-magic', Buffer.from('\x93NUMPX\x01\x00\x10\x00{}              \n', 'latin1')],
    ['version-9', Buffer.from('\x93NUMPY\x09\x00\x10\x00{}              \n', 'latin1')],
    ['header-len-past-end', Buffer.from('\x93NUMPY\x01\x00\xff\xff{}', 'latin1')],
    ['v2-header-len-4g', Buffer.from('\x93NUMPY\x02\x00\xff\xff\xff\xff{}', 'latin1')],
    ['magic-only', Buffer.from('\x93NUMPY', 'latin1')],
  ] as const) {
    const p = join(npys, `${name}.npy`);
    writeFileSync(p, bytes);
    npyCase(`npy/${name}`, p);
  }
  npyCase('npy/image-as-npy', good);
  npyCase('npy/missing', join(npys, 'missing.npy'));
  for (const f of ['float64.npy', 'bool.npy', 'empty.npy', 'int32.npy', 'float32-transposed.npy', 'float16-big-endian.npy']) {
    npyCase(`npy/fixture/${f}`, fixture('npy', f));
  }
  cases.push({ id: 'npy/unknown-input-name', kind: 'npy', args: ['compare', AFFINE, AFFINE, '--input', `nope=${join(npys, 'good.npy')}`], expect: 'bad', names: 'nope' });

  // ---- saved runs: compare SAVED affine IMAGE ---------------------------------------------------
  const saved = sub('saved');
  const base = join(saved, 'base');
  execFileSync(process.execPath, [cliEntry(), 'compare', AFFINE, AFFINE, tiny, '--save-outputs', base, '--no-progress'], { stdio: 'ignore' });
  const manifest = JSON.parse(readFileSync(join(base, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  const entryKey = Object.keys(manifest['entries'] as object)[0]!;
  const entry = (manifest['entries'] as Record<string, Record<string, unknown>>)[entryKey]!;
  const file = Object.values(entry['files'] as Record<string, { path: string }>)[0]!.path;
  let n = 0;
  const savedVariant = (what: string, mutate: (m: Record<string, unknown>, dir: string) => void, expect: Expect = 'bad'): void => {
    const d = join(saved, `v${n++}`);
    execFileSync('cp', ['-r', base, d]);
    const m = structuredClone(manifest);
    mutate(m, d);
    if (m['__raw'] === undefined) writeFileSync(join(d, 'manifest.json'), JSON.stringify(m));
    else writeFileSync(join(d, 'manifest.json'), String(m['__raw']));
    cases.push({ id: `saved/${what}`, kind: 'saved', args: ['compare', d, AFFINE, tiny], expect, names: d });
  };
  const entries = (m: Record<string, unknown>): Record<string, Record<string, unknown>> => m['entries'] as Record<string, Record<string, unknown>>;
  const fileOf = (m: Record<string, unknown>): Record<string, unknown> => Object.values(entries(m)[entryKey]!['files'] as Record<string, Record<string, unknown>>)[0]!;
  for (const key of ['format', 'version', 'kind', 'producer', 'inputs', 'outputs', 'entries']) {
    savedVariant(`missing-${key}`, (m) => { delete m[key]; });
    for (const [label, v] of [['null', null], ['number', 7], ['string', 'x'], ['array', []], ['object', {}]] as const) {
      savedVariant(`${key}-${label}`, (m) => { m[key] = v; }, 'any');
    }
  }
  for (const key of ['inputDigest', 'inputs', 'files']) {
    savedVariant(`entry-missing-${key}`, (m) => { delete entries(m)[entryKey]![key]; });
    for (const [label, v] of [['null', null], ['number', 7], ['string', 'x'], ['array', []]] as const) {
      savedVariant(`entry-${key}-${label}`, (m) => { entries(m)[entryKey]![key] = v; });
    }
  }
  savedVariant('entry-input-null', (m) => { entries(m)[entryKey]!['inputs'] = { x: null }; });
  savedVariant('entry-input-shape-bad', (m) => { entries(m)[entryKey]!['inputs'] = { x: { dtype: 'float32', shape: 'big' } }; });
  for (const [label, v] of [['absolute', '/etc/passwd'], ['parent', '../../etc/passwd'], ['backslash', '..\\x.npy'], ['empty', ''], ['dir', '.'], ['number', 3]] as const) {
    savedVariant(`file-path-${label}`, (m) => { fileOf(m)['path'] = v; });
  }
  for (const [label, v] of [['dtype-unknown', 'complex64'], ['dtype-other', 'int8'], ['shape-wrong', [1, 1]], ['shape-negative', [-1]], ['shape-huge', [1e15, 1e15]]] as const) {
    savedVariant(`file-${label}`, (m) => {
      const f = fileOf(m);
      if (label.startsWith('dtype')) f['dtype'] = v;
      else f['shape'] = v;
    });
  }
  savedVariant('version-2', (m) => { m['version'] = 2; });
  savedVariant('kind-inputs', (m) => { m['kind'] = 'inputs'; });
  savedVariant('json-garbage', (m) => { m['__raw'] = '{"format": "trt-parity-saved-run", '; });
  savedVariant('json-empty', (m) => { m['__raw'] = ''; });
  savedVariant('json-array', (m) => { m['__raw'] = '[]'; });
  savedVariant('json-deep', (m) => { m['__raw'] = `${'['.repeat(100000)}${']'.repeat(100000)}`; });
  // The key "__proto__" as JSON text: assigning it in JS would set a prototype, not add a key.
  savedVariant('key-proto', (m) => { m['__raw'] = JSON.stringify(m).replace(JSON.stringify(entryKey), '"__proto__"'); });
  savedVariant('npy-truncated', (_m, d) => { writeFileSync(join(d, file), readFileSync(join(base, file)).subarray(0, 40)); });
  savedVariant('npy-garbage', (_m, d) => { writeFileSync(join(d, file), bytesOf(300)); });
  savedVariant('npy-missing', (_m, d) => { execFileSync('rm', [join(d, file)]); });
  savedVariant('npy-link-dev-zero', (_m, d) => { execFileSync('rm', [join(d, file)]); symlinkSync('/dev/zero', join(d, file)); });
  savedVariant('npy-link-outside', (_m, d) => { execFileSync('rm', [join(d, file)]); symlinkSync(join(npys, 'good.npy'), join(d, file)); });
  savedVariant('npy-link-loop', (_m, d) => { execFileSync('rm', [join(d, file)]); symlinkSync(join(d, file), join(d, file)); });
  savedVariant('npy-fifo', (_m, d) => { execFileSync('rm', [join(d, file)]); execFileSync('mkfifo', [join(d, file)]); });
  savedVariant('npy-dir', (_m, d) => { execFileSync('rm', [join(d, file)]); mkdirSync(join(d, file)); });
  // A manifest that is a FIFO or a link to /dev/zero (written after the variant's own write).
  const outsideManifest = join(saved, 'outside-manifest.json');
  writeFileSync(outsideManifest, JSON.stringify(manifest));
  for (const [label, make] of [['link-outside', (p: string) => symlinkSync(outsideManifest, p)], ['fifo', (p: string) => execFileSync('mkfifo', [p])], ['dev-zero', (p: string) => symlinkSync('/dev/zero', p)], ['dir', (p: string) => mkdirSync(p)]] as const) {
    const d = join(saved, `manifest-${label}`);
    execFileSync('cp', ['-r', base, d]);
    execFileSync('rm', [join(d, 'manifest.json')]);
    make(join(d, 'manifest.json'));
    cases.push({ id: `saved/manifest-${label}`, kind: 'saved', args: ['compare', d, AFFINE, tiny], expect: 'bad', names: d });
  }
  // A saved run replayed against a different image (digest mismatch), and saved outputs of inputs.
  cases.push({ id: 'saved/other-image', kind: 'saved', args: ['compare', base, AFFINE, fixture('images', 'edge', 'palette.png')], expect: 'bad', names: base });

  // ---- special files in every role ------------------------------------------------------------------
  const special = sub('special');
  const fifo = join(special, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const loop = join(special, 'loop');
  symlinkSync(loop, loop);
  const dangling = join(special, 'dangling');
  symlinkSync(join(special, 'nowhere'), dangling);
  const socket = join(special, 'socket');
  const server: Server = await new Promise((resolve) => {
    const s = createServer();
    s.listen(socket, () => resolve(s));
  });
  server.unref();
  const specials: [string, string][] = [['fifo', fifo], ['dev-zero', '/dev/zero'], ['dev-null', '/dev/null'], ['dev-urandom', '/dev/urandom'], ['socket', socket], ['dir', special], ['loop', loop], ['dangling', dangling], ['proc-self-mem', '/proc/self/mem']];
  for (const [label, p] of specials) {
    // With an extension each backend or the decoder claims, through links named like the role.
    const withExt = (ext: string): string => {
      const l = join(special, `${label}.${ext}`);
      try { symlinkSync(p, l); } catch { /* made already */ }
      return l;
    };
    cases.push({ id: `special/${label}/image`, kind: 'special', args: ['compare', AFFINE, AFFINE, p], expect: 'bad', names: p });
    cases.push({ id: `special/${label}/image-ext`, kind: 'special', args: ['compare', AFFINE, AFFINE, withExt('jpg')], expect: 'bad', names: withExt('jpg') });
    cases.push({ id: `special/${label}/npy`, kind: 'special', args: ['compare', AFFINE, AFFINE, '--input', `x=${p}`], expect: 'bad', names: p });
    cases.push({ id: `special/${label}/model`, kind: 'special', args: ['compare', withExt('onnx'), AFFINE, tiny], expect: 'bad', names: withExt('onnx') });
    cases.push({ id: `special/${label}/engine`, kind: 'special', args: ['compare', withExt('engine'), AFFINE, tiny], expect: 'bad', names: withExt('engine') });
    cases.push({ id: `special/${label}/inspect`, kind: 'special', args: ['inspect', withExt('onnx')], expect: 'bad', names: withExt('onnx') });
    cases.push({ id: `special/${label}/bench-image`, kind: 'special', args: ['bench', AFFINE, withExt('png'), '--iterations', '2', '--warmup', '0', '--duration', '0.01'], expect: 'bad', names: withExt('png') });
    cases.push({ id: `special/${label}/saved-first`, kind: 'special', args: ['compare', p, AFFINE, tiny], expect: 'bad', names: p });
    // merge reads report files, merge-runs saved-run folders: the same bounded, typed reads.
    cases.push({ id: `special/${label}/merge`, kind: 'special', args: ['merge', p], expect: 'bad', names: p });
    cases.push({ id: `special/${label}/merge-ext`, kind: 'special', args: ['merge', withExt('jsonl')], expect: 'bad', names: withExt('jsonl') });
    cases.push({ id: `special/${label}/merge-runs`, kind: 'special', args: ['merge-runs', p, '--out', join(special, `merged-${label}`)], expect: 'bad', names: p });
  }
  cases.push({ id: 'special/save-outputs-proc', kind: 'special', args: ['compare', AFFINE, AFFINE, tiny, '--save-outputs', '/proc/self/x'], expect: 'bad', names: '/proc/self/x' });
  cases.push({ id: 'special/save-outputs-dev-null', kind: 'special', args: ['compare', AFFINE, AFFINE, tiny, '--save-outputs', '/dev/null'], expect: 'bad', names: '/dev/null' });
  cases.push({ id: 'special/save-outputs-file', kind: 'special', args: ['compare', AFFINE, AFFINE, tiny, '--save-outputs', tiny], expect: 'bad', names: tiny });
  cases.push({ id: 'special/save-same-dir', kind: 'special', args: ['compare', AFFINE, AFFINE, tiny, '--save-outputs', join(special, 'both'), '--save-inputs', join(special, 'both')], expect: 'bad', names: join(special, 'both') });
  cases.push({ id: 'special/save-into-foreign', kind: 'special', args: ['compare', AFFINE, AFFINE, tiny, '--save-outputs', images], expect: 'bad', names: images });
  for (const [label, target] of [['json-dir', ['--json', special]], ['json-proc', ['--json', '/proc/self/nope/x.json']], ['junit-dir', ['--junit', special]], ['jsonl-dir', ['--jsonl', special]]] as const) {
    cases.push({ id: `special/${label}`, kind: 'special', args: ['compare', AFFINE, AFFINE, tiny, ...target], expect: 'bad', names: target[1] });
  }

  // ---- absurd option values -------------------------------------------------------------------------
  const option = (id: string, args: readonly string[], names: string): void => {
    cases.push({ id: `option/${id}`, kind: 'option', args, expect: 'bad', names });
  };
  const absurd = ['-1', '0x', 'abc', '', 'NaN', 'Infinity', '-Infinity', '1e400', '1,2', ' ', '--', '1e-400x', '\x1b[2J'];
  for (const flag of ['--rtol', '--atol']) for (const v of absurd) option(`${flag}=${JSON.stringify(v)}`, ['compare', AFFINE, AFFINE, tiny, flag, v], flag);
  for (const v of [...absurd, '100000', '1000000000', '3.5', '-0']) option(`--threads=${JSON.stringify(v)}`, ['compare', AFFINE, AFFINE, tiny, '--threads', v], '--threads');
  for (const v of ['0', '-5', 'abc', '1e400', '']) option(`--max-pixels=${JSON.stringify(v)}`, ['compare', AFFINE, AFFINE, tiny, '--max-pixels', v], '--max-pixels');
  for (const v of ['0', '-1', 'abc', '1x', '99T', '', '1.5.5G']) option(`--max-tensor-bytes=${JSON.stringify(v)}`, ['compare', AFFINE, AFFINE, tiny, '--max-tensor-bytes', v], '--max-tensor-bytes');
  option('--max-tensor-bytes=tiny', ['compare', AFFINE, AFFINE, tiny, '--max-tensor-bytes', '100'], tiny);
  option('--max-tensor-bytes=tiny-npy', ['compare', AFFINE, AFFINE, '--input', `x=${join(npys, 'good.npy')}`, '--max-tensor-bytes', '100'], join(npys, 'good.npy'));
  for (const flag of ['--mean', '--std']) for (const v of ['a,b,c', '1,2', '1,2,3,4', 'NaN,1,1', '', '1e400,1,1']) option(`${flag}=${JSON.stringify(v)}`, ['compare', AFFINE, AFFINE, tiny, flag, v], flag);
  option('--std=0,0,0', ['compare', AFFINE, AFFINE, tiny, '--std', '0,0,0'], '--std');
  for (const v of ['0', '-1', 'abc']) option(`--scale=${v}`, ['compare', AFFINE, AFFINE, tiny, '--scale', v], '--scale');
  for (const flag of ['--pipeline', '--layout', '--resize']) for (const v of ['bogus', '', 'PIL ']) option(`${flag}=${JSON.stringify(v)}`, ['compare', AFFINE, AFFINE, tiny, flag, v], flag);
  for (const v of ['noequals', '=x.npy', 'x=', '==']) option(`--input=${JSON.stringify(v)}`, ['compare', AFFINE, AFFINE, '--input', v], '--input');
  option('--input-twice', ['compare', AFFINE, AFFINE, '--input', `x=${join(npys, 'good.npy')}`, '--input', `x=${join(npys, 'good.npy')}`], '--input');
  for (const v of ['0/0', '5/2', 'abc', '1/', '/2', '-1/2', '1/1e9']) option(`--shard=${JSON.stringify(v)}`, ['compare', AFFINE, AFFINE, tiny, '--shard', v], '--shard');
  for (const v of ['x=1x3x100000x100000', 'x=1x3x20000x20000', 'x=0', 'x=-1x3', 'x=abc', 'x=', 'nope=1x3x4x4', 'x=1x3x4x4x4x4x4x4x4x4x4x4x4x4x4x4x4x4']) {
    option(`bench-shape=${JSON.stringify(v)}`, ['bench', AFFINE, '--shape', v, '--iterations', '2', '--warmup', '0', '--duration', '0.01'], v.startsWith('nope') ? 'nope' : v.split('=')[0] === 'x' ? 'x' : '--shape');
  }
  for (const [flag, v] of [['--iterations', '-1'], ['--iterations', 'abc'], ['--warmup', '-1'], ['--duration', '-5'], ['--seed', 'abc']] as const) option(`bench${flag}=${v}`, ['bench', AFFINE, flag, v], flag);
  option('no-command', [], 'Usage');
  option('unknown-command', ['frobnicate'], 'frobnicate');
  option('unknown-option', ['compare', AFFINE, AFFINE, tiny, '--frobnicate'], '--frobnicate');
  option('compare-no-args', ['compare'], 'first');
  option('compare-one-arg', ['compare', AFFINE], 'second');
  option('compare-no-images', ['compare', AFFINE, AFFINE], 'x');
  option('json-and-junit-stdout', ['compare', AFFINE, AFFINE, tiny, '--json', '-', '--junit', '-'], '--json');
  for (const v of ['0', 'abc', '99T']) option(`bench--max-tensor-bytes=${v}`, ['bench', AFFINE, '--max-tensor-bytes', v], '--max-tensor-bytes');
  option('bench--max-tensor-bytes=tiny', ['bench', AFFINE, '--shape', 'x=1x3x64x64', '--max-tensor-bytes', '1K', '--iterations', '2', '--warmup', '0', '--duration', '0.01'], 'x');
  option('bench-model-fixed-too-big', ['bench', CLASSIFIER, '--max-tensor-bytes', '1000', '--iterations', '2', '--warmup', '0', '--duration', '0.01'], CLASSIFIER);
  option('model-fixed-too-big', ['compare', CLASSIFIER, CLASSIFIER, tiny, '--max-tensor-bytes', '1000'], CLASSIFIER);
  option('no-images-in-folder', ['compare', AFFINE, AFFINE, npys], npys);
  option('glob-no-match', ['compare', AFFINE, AFFINE, join(dir, '*.nothing')], '*.nothing');

  // ---- hostile names on good files: every command's text shows them escaped (checkCase: no raw control) --
  const named = sub('names');
  const hostileNames = ['esc\x1b[2J\x1b[31m', 'cr\rover', 'nul\0', 'new\nFORGED', 'del\x7fc1\x9b[31m'];
  for (const [k, n] of hostileNames.entries()) {
    // A file name cannot hold NUL; tensor names and metadata can.
    const f = n.replace('\0', '');
    const img = join(named, `${f}.png`);
    copyFileSync(tiny, img);
    cases.push({ id: `names/image#${k}`, kind: 'names', args: ['compare', AFFINE, AFFINE, img, '-v'], expect: 'any' });
    const model = writeNamedModel(join(named, `model${k}.onnx`), `in${n}`, `out${n}`, `meta${n}`);
    cases.push({ id: `names/inspect#${k}`, kind: 'names', args: ['inspect', model], expect: 'any' });
    cases.push({ id: `names/compare#${k}`, kind: 'names', args: ['compare', model, model, img, '-v'], expect: 'any' });
    cases.push({ id: `names/bench#${k}`, kind: 'names', args: ['bench', model, '--iterations', '2', '--warmup', '0', '--duration', '0.01'], expect: 'any' });
    const file = join(named, `${f}.onnx`);
    copyFileSync(AFFINE, file);
    cases.push({ id: `names/model-file#${k}`, kind: 'names', args: ['inspect', file], expect: 'any' });
    cases.push({ id: `names/option#${k}`, kind: 'names', args: ['compare', AFFINE, AFFINE, tiny, `--${f}`], expect: 'bad' });
  }

  // ---- folders: good images are reported whatever the bad ones do ----------------------------------
  const folders = sub('folders');
  const badMakers: [string, (p: string) => void][] = [
    ['loop.jpg', (p) => symlinkSync(p, p)],
    ['fifo.jpg', (p) => execFileSync('mkfifo', [p])],
    ['truncated.jpg', (p) => writeFileSync(p, jpeg.subarray(0, 2000))],
    ['garbage.png', (p) => writeFileSync(p, bytesOf(500))],
    ['empty.jpg', (p) => writeFileSync(p, '')],
    ['dev-zero.jpg', (p) => symlinkSync('/dev/zero', p)],
    ['socket.png', (p) => symlinkSync(socket, p)],
    ['liar.jpg', (p) => writeFileSync(p, patchJpegSize(jpeg, 4800, 6400))],
    ['bomb.png', (p) => copyFileSync(fixture('images', 'edge', 'bomb.png'), p)],
  ];
  for (let k = 0; k < badMakers.length; k++) {
    for (const count of [1, 3]) {
      const d = join(folders, `f${k}-${count}`);
      mkdirSync(join(d, 'sub'), { recursive: true });
      const goods = ['a.png', 'sub/b.png'];
      for (const g of goods) writeFileSync(join(d, g), pngOf(6 + k, 5 + count, 3));
      const bads: string[] = [];
      for (let c = 0; c < count; c++) {
        const [name, make] = badMakers[(k + c) % badMakers.length]!;
        const rel = c === 0 ? name : `sub/${c}-${name}`;
        make(join(d, rel));
        bads.push(rel);
      }
      const json = join(d, '..', `f${k}-${count}.json`);
      cases.push({ id: `folder/${badMakers[k]![0]}x${count}`, kind: 'folder', args: ['compare', AFFINE, AFFINE, d, '--json', json], expect: 'folder', good: goods, broken: bads, json });
    }
  }
  // A folder with an unreadable-looking subfolder loop and only links.
  const loopFolder = join(folders, 'dir-loop');
  mkdirSync(loopFolder, { recursive: true });
  writeFileSync(join(loopFolder, 'ok.png'), pngOf(4, 4, 3));
  symlinkSync(loopFolder, join(loopFolder, 'again'));
  cases.push({ id: 'folder/dir-loop', kind: 'folder', args: ['compare', AFFINE, AFFINE, loopFolder, '--json', `${loopFolder}.json`], expect: 'folder', good: ['ok.png'], broken: [], json: `${loopFolder}.json` });

  return { dir, cases, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function cliEntry(): string {
  return process.env['TRT_PARITY_HOSTILE_CLI'] ?? fixture('..', 'dist', 'src', 'cli', 'main.js');
}

/** The first SOFn segment's height and width set to `h` × `w`: a header that lies about the scan. */
function patchJpegSize(jpeg: Buffer, h: number, w: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i + 9 < out.length;) {
    if (out[i] !== 0xff) break;
    const marker = out[i + 1]!;
    const len = out.readUInt16BE(i + 2);
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      out.writeUInt16BE(h, i + 5);
      out.writeUInt16BE(w, i + 7);
      return out;
    }
    i += 2 + len;
  }
  throw new Error('no SOF marker');
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function ihdr(w: number, h: number): Buffer {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(w, 0);
  d.writeUInt32BE(h, 4);
  d[8] = 8;
  d[9] = 2; // RGB
  return d;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A valid w × h RGB PNG whose pixels depend on `seed` (so no two folders' images are equal). */
export function pngOf(w: number, h: number, seed: number): Buffer {
  const raw = Buffer.alloc(h * (1 + 3 * w));
  for (let y = 0; y < h; y++) for (let x = 0; x < 3 * w; x++) raw[y * (1 + 3 * w) + 1 + x] = (x * 31 + y * 17 + seed * 7) & 0xff;
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr(w, h)), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function pngHeaderOnly(w: number, h: number): Buffer {
  return Buffer.concat([PNG_SIGNATURE, chunk('IHDR', ihdr(w, h)), chunk('IEND', Buffer.alloc(0))]);
}

/** A .npy header of `version` around the dict text, padded as numpy pads it. */
function npyHeader(dict: string, version: number): Buffer {
  const prefix = version === 1 ? 10 : 12;
  const total = Math.ceil((prefix + dict.length + 1) / 64) * 64;
  const header = Buffer.alloc(total, 0x20);
  Buffer.from('\x93NUMPY', 'latin1').copy(header, 0);
  header[6] = version;
  header[7] = 0;
  if (version === 1) header.writeUInt16LE(total - prefix, 8);
  else header.writeUInt32LE(total - prefix, 8);
  Buffer.from(dict, 'latin1').copy(header, prefix);
  header[total - 1] = 0x0a;
  return header;
}

/** An `ftrt` plan header: magic, declared size at 16..23, version bytes at 24..27, then `body` garbage bytes. */
function ftrt(major: number, minor: number, patch: number, build: number, declared: number): Buffer {
  const b = Buffer.alloc(64, 0x5a);
  b.write('ftrt', 0, 'latin1');
  b.writeBigUInt64LE(BigInt(declared), 16);
  b[24] = major;
  b[25] = minor;
  b[26] = patch;
  b[27] = build;
  return b;
}
