/**
 * The writer of saved-run directories: backend outputs (`--save-outputs DIR`, kind "outputs") or
 * preprocessed inputs (`--save-inputs DIR`, kind "inputs"). Format: see manifest.ts.
 *
 * Directory policy:
 * - missing or empty → created / used;
 * - already a saved run of the same kind and producer (backend + source) → reused: entries for
 *   keys added again are replaced (counted in `summary.replaced`, with a note), others kept;
 * - anything else (a non-empty directory that is not a saved run, or one of another kind or
 *   producer) → UsageError: we never write into, or mix up, someone else's files.
 * .npy files are written as entries are added; manifest.json is written once, atomically
 * (temporary file + rename), by `close()`.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError, UsageError } from '../../errors.js';
import { writeNpy } from '../../tensor/npy.js';
import type { TensorInfo, TensorMap } from '../../tensor/types.js';
import { TOOL_VERSION } from '../../version.js';
import { tensorMapDigest } from './digest.js';
import {
  MANIFEST_FILE, SAVED_RUN_FORMAT, SAVED_RUN_VERSION, readManifest,
  type SavedEntry, type SavedFile, type SavedKind, type SavedManifest, type SavedPreprocess, type SavedProducer,
} from './manifest.js';

export interface SavedRunWriterOptions {
  /** "outputs" for --save-outputs (a backend's outputs), "inputs" for --save-inputs (preprocessed inputs). */
  readonly kind: SavedKind;
  /** The backend that produced the tensors ("onnxruntime", "tensorrt", "saved"; for inputs, the backend they were fed to). */
  readonly backend: string;
  /** The model/engine path the user gave. */
  readonly source: string;
  /** Descriptions of the saved tensors: the backend's outputs, or its inputs for kind "inputs". */
  readonly outputs: readonly TensorInfo[];
  /** The producer's declared inputs, when known (kept for kind "outputs"). */
  readonly inputs?: readonly TensorInfo[] | null;
  /** Defaults to this package's version. */
  readonly toolVersion?: string;
  /** How image inputs were preprocessed (`{ pipeline }`), recorded so a replay under another pipeline can be refused. */
  readonly preprocess?: SavedPreprocess;
}

export interface SavedRunSummary {
  readonly dir: string;
  /** Entries in the manifest after closing. */
  readonly entries: number;
  /** Entries that this writer replaced (the key was already saved). */
  readonly replaced: number;
  readonly notes: readonly string[];
}

/**
 * Writes one saved-run directory: one .npy per tensor per key, then manifest.json on close().
 * Create with `SavedRunWriter.create`, `add` once per input, `close` once.
 */
export class SavedRunWriter {
  readonly #entries: Map<string, SavedEntry>;
  readonly #replaced = new Set<string>();
  #closed = false;
  #preprocess: SavedPreprocess | undefined;

  private constructor(
    readonly dir: string,
    private readonly kind: SavedKind,
    private readonly producer: SavedProducer,
    private readonly declaredInputs: readonly TensorInfo[] | null,
    private readonly declaredOutputs: readonly TensorInfo[],
    existing: Readonly<Record<string, SavedEntry>>,
  ) {
    this.#entries = new Map(Object.entries(existing));
  }

  /** Prepare `dir` for writing; returns the entries of a compatible existing run. */
  private static async prepare(dir: string, kind: SavedKind, producer: SavedProducer): Promise<Readonly<Record<string, SavedEntry>>> {
    let names: string[];
    try {
      const s = await stat(dir);
      if (!s.isDirectory()) throw new UsageError(`${dir}: exists and is not a directory; give a directory to save into`);
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw asWriteError(dir, err);
      await mkdir(dir, { recursive: true }).catch((e: unknown) => { throw asWriteError(dir, e); });
      return {};
    }
    if (names.length === 0) return {};
    if (!names.includes(MANIFEST_FILE)) {
      throw new UsageError(`${dir}: not empty and not a trt-parity saved run; refusing to write into it`, {
        hints: ['Give a new or empty directory, or one written earlier by the same command.'],
      });
    }
    const old: SavedManifest = await readManifest(dir);
    if (old.kind !== kind || old.producer.backend !== producer.backend || old.producer.source !== producer.source) {
      throw new UsageError(
        `${dir}: already holds saved ${old.kind} of ${old.producer.backend} (${old.producer.source}); refusing to mix in ${kind} of ${producer.backend} (${producer.source})`,
        { hints: ['Use a separate directory per model/engine.'] },
      );
    }
    return old.entries;
  }

  /**
   * Prepare `dir` (see the directory policy above) and return a writer for it.
   * @throws UsageError for a directory that must not be written into; InputError when it cannot be.
   */
  static async create(dir: string, options: SavedRunWriterOptions): Promise<SavedRunWriter> {
    const producer: SavedProducer = {
      backend: options.backend, source: options.source, tool: 'trt-parity', toolVersion: options.toolVersion ?? TOOL_VERSION,
    };
    const existing = await SavedRunWriter.prepare(dir, options.kind, producer);
    const declaredInputs = options.kind === 'inputs' ? options.outputs : options.inputs ?? null;
    const declaredOutputs = options.kind === 'inputs' ? [] : options.outputs;
    const writer = new SavedRunWriter(dir, options.kind, producer, declaredInputs, declaredOutputs, existing);
    writer.#preprocess = options.preprocess;
    return writer;
  }

  /**
   * Save `tensors` under `key` (replacing an earlier entry for that key). `inputs` are the feeds
   * that produced them: only their digest, names, dtypes and shapes are recorded. For kind
   * "inputs" pass the feeds as both.
   */
  async add(key: string, tensors: TensorMap, inputs: TensorMap): Promise<void> {
    if (this.#closed) throw new UsageError(`${this.dir}: saved run already closed`);
    const folder = `${slug(key)}-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
    await mkdir(join(this.dir, folder), { recursive: true }).catch((e: unknown) => { throw asWriteError(join(this.dir, folder), e); });
    const files: Record<string, SavedFile> = {};
    const used = new Set<string>();
    for (const [name, t] of tensors) {
      let base = slug(name);
      for (let i = 2; used.has(base.toLowerCase()); i++) base = `${slug(name)}-${i}`;
      used.add(base.toLowerCase());
      const rel = `${folder}/${base}.npy`;
      await writeFile(join(this.dir, folder, `${base}.npy`), writeNpy(t)).catch((e: unknown) => { throw asWriteError(join(this.dir, rel), e); });
      files[name] = { path: rel, dtype: t.dtype, shape: [...t.shape] };
    }
    const inputShapes: Record<string, { dtype: string; shape: number[] }> = {};
    for (const [name, t] of inputs) inputShapes[name] = { dtype: t.dtype, shape: [...t.shape] };
    if (this.#entries.has(key)) this.#replaced.add(key);
    this.#entries.set(key, { inputDigest: tensorMapDigest(inputs), inputs: inputShapes, files });
  }

  /** Write manifest.json (atomically) and stop accepting entries. Read `summary` afterwards. */
  async close(): Promise<void> {
    if (this.#closed) throw new UsageError(`${this.dir}: saved run already closed`);
    this.#closed = true;
    const manifest: SavedManifest = {
      format: SAVED_RUN_FORMAT,
      version: SAVED_RUN_VERSION,
      kind: this.kind,
      producer: this.producer,
      inputs: this.declaredInputs,
      outputs: this.declaredOutputs,
      entries: Object.fromEntries(this.#entries),
      ...(this.#preprocess === undefined ? {} : { preprocess: this.#preprocess }),
    };
    const path = join(this.dir, MANIFEST_FILE);
    const tmp = `${path}.tmp-${process.pid}`;
    try {
      await writeFile(tmp, `${JSON.stringify(manifest, null, 1)}\n`);
      await rename(tmp, path);
    } catch (err) {
      throw asWriteError(path, err);
    }
  }

  /** What the directory holds (or will hold, before close): entry count, replacements, notes for the report. */
  get summary(): SavedRunSummary {
    const n = this.#replaced.size;
    const notes = n === 0 ? [] : [`${n} saved ${this.kind === 'outputs' ? 'output' : 'input'} entr${n === 1 ? 'y' : 'ies'} replaced in ${this.dir}`];
    return { dir: this.dir, entries: this.#entries.size, replaced: n, notes };
  }
}

/** A file-name-safe, readable stem: keeps [A-Za-z0-9._-], maps the rest to '_', at most 60 chars. */
function slug(s: string): string {
  const cleaned = s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(-60);
  return cleaned === '' ? 'tensor' : cleaned;
}

function asWriteError(path: string, err: unknown): Error {
  if (err instanceof UsageError || err instanceof InputError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'ENOSPC' ? 'no space left on device' : (err as Error).message;
  return new InputError(path, `cannot write: ${why}`, { cause: err });
}
