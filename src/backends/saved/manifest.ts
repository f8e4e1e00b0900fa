/**
 * The manifest of a saved-run directory (`--save-outputs DIR` / `--save-inputs DIR`).
 *
 * Layout:
 *   DIR/manifest.json
 *   DIR/<key slug>-<8 hex of sha256(key)>/<tensor name slug>.npy   (one per tensor per key)
 *
 * manifest.json, version 1:
 * {
 *   "format": "trt-parity-saved-run", "version": 1,
 *   "kind": "outputs" | "inputs",          // backend outputs, or preprocessed inputs
 *   "producer": { "backend": "onnxruntime" | "tensorrt" | "saved" | "preprocess", "source": "model.onnx",
 *                 "tool": "trt-parity", "toolVersion": "0.1.0" },
 *   "inputs":  [TensorInfo] | null,          // what the producer declared for its inputs
 *   "outputs": [TensorInfo],                 // kind "outputs": the producer's outputs; "inputs": []
 *   "preprocess": { "pipeline": "pil" },     // optional: the --pipeline that made image inputs
 *   "entries": { "<key>": {
 *       "inputDigest": "sha256:…",           // tensorMapDigest of the preprocessed inputs
 *       "inputs": { "<name>": { "dtype": "float32", "shape": [1,3,224,224] } },
 *       "files": { "<tensor name>": { "path": "cat.jpg-1a2b3c4d/logits.npy", "dtype": "float32", "shape": [1,1000] } } } }
 * }
 * Every .npy loads with numpy.load. "dtype" is the sidecar that recovers bfloat16 (stored as <u2).
 */
import { isAbsolute, join, normalize, sep } from 'node:path';
import { InputError } from '../../errors.js';
import { MAX_MANIFEST_BYTES } from '../../io/limits.js';
import { readRegularFile } from '../../io/read-file.js';
import { isDType } from '../../tensor/dtype.js';
import type { DType, TensorInfo } from '../../tensor/types.js';

export const SAVED_RUN_FORMAT = 'trt-parity-saved-run';
export const SAVED_RUN_VERSION = 1;
export const MANIFEST_FILE = 'manifest.json';

export type SavedKind = 'outputs' | 'inputs';

export interface SavedProducer {
  readonly backend: string;
  readonly source: string;
  readonly tool: 'trt-parity';
  readonly toolVersion: string;
}

export interface SavedFile {
  /** Relative to the run directory, '/'-separated. */
  readonly path: string;
  readonly dtype: DType;
  readonly shape: readonly number[];
}

export interface SavedEntry {
  readonly inputDigest: string;
  readonly inputs: Readonly<Record<string, { readonly dtype: string; readonly shape: readonly number[] }>>;
  readonly files: Readonly<Record<string, SavedFile>>;
}

/** How image inputs were preprocessed; absent when unknown (runs from before --pipeline, or .npy inputs). */
export interface SavedPreprocess {
  readonly pipeline: string;
  /** The preprocessing options as flags ("--mean" → "0.485,0.456,0.406"), to say why a re-save replaced entries. */
  readonly settings?: Readonly<Record<string, string>>;
}

export interface SavedManifest {
  readonly format: typeof SAVED_RUN_FORMAT;
  readonly version: typeof SAVED_RUN_VERSION;
  readonly kind: SavedKind;
  readonly producer: SavedProducer;
  readonly inputs: readonly TensorInfo[] | null;
  readonly outputs: readonly TensorInfo[];
  readonly entries: Readonly<Record<string, SavedEntry>>;
  readonly preprocess?: SavedPreprocess;
}

/**
 * Read and validate DIR/manifest.json.
 * @throws InputError naming the directory or the manifest when it is missing or malformed.
 */
export async function readManifest(dir: string): Promise<SavedManifest> {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    // A regular file, not a link (it could point anywhere), bounded.
    text = (await readRegularFile(path, { maxBytes: MAX_MANIFEST_BYTES, what: 'manifest', noFollow: true })).toString('utf8');
  } catch (err) {
    const code = ((err as Error).cause as NodeJS.ErrnoException | undefined)?.code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new InputError(dir, `not a trt-parity saved run (no ${MANIFEST_FILE})`, {
        hints: ['Saved runs are directories written by --save-outputs DIR.'], cause: err,
      });
    }
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new InputError(path, `invalid JSON: ${(err as Error).message}`, { cause: err });
  }
  return validateManifest(json, path);
}

/** Check the shape of a parsed manifest; `path` names it in errors. */
export function validateManifest(json: unknown, path: string): SavedManifest {
  const bad = (what: string): never => { throw new InputError(path, `malformed saved-run manifest: ${what}`); };
  if (!isObject(json)) return bad('not a JSON object');
  if (json['format'] !== SAVED_RUN_FORMAT) return bad(`"format" is ${JSON.stringify(json['format'])}, expected "${SAVED_RUN_FORMAT}"`);
  const version = json['version'];
  if (typeof version === 'number' && version > SAVED_RUN_VERSION) {
    throw new InputError(path, `saved-run format version ${version} was written by a newer trt-parity (this one reads version ${SAVED_RUN_VERSION})`);
  }
  if (version !== SAVED_RUN_VERSION) return bad(`"version" is ${JSON.stringify(version)}, expected ${SAVED_RUN_VERSION}`);
  const kind = json['kind'];
  if (kind !== 'outputs' && kind !== 'inputs') return bad('"kind" must be "outputs" or "inputs"');
  const producer = json['producer'];
  if (!isObject(producer) || typeof producer['backend'] !== 'string' || typeof producer['source'] !== 'string') {
    return bad('"producer" needs "backend" and "source" strings');
  }
  const inputs = json['inputs'] === null ? null : tensorInfos(json['inputs'], '"inputs"', bad);
  const outputs = tensorInfos(json['outputs'], '"outputs"', bad);
  const entries = json['entries'];
  if (!isObject(entries)) return bad('"entries" is not an object');
  const preprocess = json['preprocess'];
  if (preprocess !== undefined && !(isObject(preprocess) && typeof preprocess['pipeline'] === 'string')) return bad('"preprocess" needs a "pipeline" string');
  for (const [key, e] of Object.entries(entries)) {
    if (!isObject(e) || typeof e['inputDigest'] !== 'string' || !isObject(e['files']) || !isObject(e['inputs'])) {
      return bad(`entry ${JSON.stringify(key)} needs "inputDigest", "inputs" and "files"`);
    }
    for (const [name, t] of Object.entries(e['inputs'])) {
      if (!isObject(t) || typeof t['dtype'] !== 'string' || !isDims(t['shape'])) return bad(`entry ${JSON.stringify(key)}, input ${JSON.stringify(name)} needs a "dtype" and a "shape"`);
    }
    for (const [name, f] of Object.entries(e['files'])) {
      const where = `entry ${JSON.stringify(key)}, tensor ${JSON.stringify(name)}`;
      if (!isObject(f) || typeof f['path'] !== 'string' || typeof f['dtype'] !== 'string' || !isDType(f['dtype']) || !isDims(f['shape'])) {
        return bad(`${where} needs "path", a known "dtype" and a "shape"`);
      }
      if (!isContained(f['path'])) bad(`${where}: path ${JSON.stringify(f['path'])} leaves the run directory`);
    }
  }
  return {
    format: SAVED_RUN_FORMAT,
    version: SAVED_RUN_VERSION,
    kind,
    producer: {
      backend: producer['backend'], source: producer['source'], tool: 'trt-parity',
      toolVersion: typeof producer['toolVersion'] === 'string' ? producer['toolVersion'] : 'unknown',
    },
    inputs,
    outputs,
    entries: entries as Record<string, SavedEntry>,
    ...(preprocess === undefined ? {} : { preprocess: { pipeline: preprocess['pipeline'] as string, ...(stringRecord(preprocess['settings']) ? { settings: preprocess['settings'] as Record<string, string> } : {}) } }),
  };
}

function stringRecord(v: unknown): boolean {
  return isObject(v) && Object.values(v).every((x) => typeof x === 'string');
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isDims(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((d) => Number.isInteger(d) && d >= 0);
}

function tensorInfos(v: unknown, what: string, bad: (m: string) => never): TensorInfo[] {
  if (!Array.isArray(v)) return bad(`${what} is not a list`);
  return v.map((t, i) => {
    if (!isObject(t) || typeof t['name'] !== 'string' || typeof t['dtype'] !== 'string' || !Array.isArray(t['shape'])) {
      return bad(`${what}[${i}] needs "name", "dtype" and "shape"`);
    }
    const shape = t['shape'].map((d) => (typeof d === 'number' || typeof d === 'string' ? d : null));
    return { name: t['name'], dtype: t['dtype'], shape };
  });
}

/** A manifest path must be relative and stay inside the run directory. */
function isContained(p: string): boolean {
  if (p === '' || isAbsolute(p) || p.includes('\\')) return false;
  const n = normalize(p);
  return n !== '..' && !n.startsWith(`..${sep}`);
}
