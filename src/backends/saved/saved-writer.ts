/**
 * The writer of saved-run directories: backend outputs (`--save-outputs DIR`, kind "outputs") or
 * preprocessed inputs (`--save-inputs DIR`, kind "inputs"). Format: see manifest.ts.
 *
 * Directory policy:
 * - missing or empty → created / used (parents created one level at a time: Node's recursive mkdir
 *   loops forever under /proc);
 * - already a saved run of the same kind and producer (backend + source) → reused: entries for
 *   keys added again are replaced (counted, with the reason, in `summary.notes`), others kept;
 * - left without a manifest by a run that was killed (SIGKILL, power loss) → resumed from its journal
 *   (below), or refused with the command that cleans it when there is no journal;
 * - anything else (a non-empty directory that is not a saved run, or one of another kind or
 *   producer) → UsageError: we never write into, or mix up, someone else's files.
 *
 * Safety:
 * - one writer at a time: `.trt-parity.lock` (created exclusively) names its holder; a second writer
 *   is refused with that name, a lock whose process is gone on this host is taken over;
 * - every .npy and the manifest are written to a temporary name and renamed into place, so a reader
 *   never sees half a file, and a symbolic link planted at a target is replaced, never written through;
 *   an entry folder that is a symbolic link is refused;
 * - `.trt-parity-journal.jsonl` gets one line per entry as it is written, so a killed run loses at
 *   most the entry in flight; `close()` writes manifest.json and removes the journal and the lock.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { appendFile, lstat, mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { MAX_MANIFEST_BYTES } from '../../io/limits.js';
import { readRegularFile } from '../../io/read-file.js';
import { dirname, join } from 'node:path';
import { InputError, UsageError } from '../../errors.js';
import { writeNpy } from '../../tensor/npy.js';
import type { TensorInfo, TensorMap } from '../../tensor/types.js';
import { TOOL_VERSION } from '../../version.js';
import { tensorMapDigest } from './digest.js';
import {
  MANIFEST_FILE, SAVED_RUN_FORMAT, SAVED_RUN_VERSION, readManifest, validateManifest,
  type SavedEntry, type SavedFile, type SavedKind, type SavedManifest, type SavedPreprocess, type SavedProducer,
} from './manifest.js';

/** The writer's lock: its content names the holder (pid, host, start time). */
export const LOCK_FILE = '.trt-parity.lock';
/** One JSON line per entry written, so that a killed run can be resumed. */
export const JOURNAL_FILE = '.trt-parity-journal.jsonl';
/** Temporary files are `<name>.tmp-<pid>`; they are never part of a run. */
const TMP_RE = /\.tmp-\d+$/;

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
 * Create with `SavedRunWriter.create`, `add` once per input, `close` once (also after an interruption:
 * the manifest then lists the entries written so far).
 */
export class SavedRunWriter {
  readonly #entries: Map<string, SavedEntry>;
  /** Replaced key → why ("--mean differs", "inputs differ", "same inputs"). */
  readonly #replaced = new Map<string, string>();
  readonly #old: Readonly<Record<string, SavedEntry>>;
  readonly #oldPreprocess: SavedPreprocess | undefined;
  readonly #recovered: number;
  #closed = false;
  #preprocess: SavedPreprocess | undefined;
  #journalStarted = false;

  private constructor(
    readonly dir: string,
    private readonly kind: SavedKind,
    private readonly producer: SavedProducer,
    private readonly declaredInputs: readonly TensorInfo[] | null,
    private readonly declaredOutputs: readonly TensorInfo[],
    existing: Prepared,
  ) {
    this.#entries = new Map(Object.entries(existing.entries));
    this.#old = existing.entries;
    this.#oldPreprocess = existing.preprocess;
    this.#recovered = existing.recovered;
  }

  /** Prepare `dir` for writing (lock taken); returns the entries of a compatible existing run. */
  private static async prepare(dir: string, kind: SavedKind, producer: SavedProducer): Promise<Prepared> {
    const empty: Prepared = { entries: {}, preprocess: undefined, recovered: 0 };
    let names: string[];
    try {
      const s = await stat(dir);
      if (!s.isDirectory()) throw new UsageError(`${dir}: exists and is not a directory; give a directory to save into`);
      names = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw asWriteError(dir, err);
      await makeDirectory(dir);
      await acquireLock(dir);
      return empty;
    }
    await acquireLock(dir);
    try {
      const ours = names.filter((n) => n !== LOCK_FILE && !TMP_RE.test(n));
      if (ours.length === 0) return empty;
      const hasManifest = ours.includes(MANIFEST_FILE);
      const hasJournal = ours.includes(JOURNAL_FILE);
      if (!hasManifest && !hasJournal) {
        if (await looksLikeInterruptedRun(dir, ours)) {
          throw new UsageError(`${dir}: holds saved files but no ${MANIFEST_FILE}: a run that was killed before it could finish (and kept no journal); its files cannot be trusted`, {
            hints: [`delete it (rm -r ${dir}) or save into another directory`],
          });
        }
        throw new UsageError(`${dir}: not empty and not a trt-parity saved run; refusing to write into it`, {
          hints: ['Give a new or empty directory, or one written earlier by the same command.'],
        });
      }
      const old: SavedManifest | null = hasManifest ? await readManifest(dir) : null;
      const journal = hasJournal ? await readJournal(dir) : null;
      const header = journal?.header ?? old!;
      if (header.kind !== kind || header.producer.backend !== producer.backend || header.producer.source !== producer.source) {
        throw new UsageError(
          `${dir}: already holds saved ${header.kind} of ${header.producer.backend} (${header.producer.source}); refusing to mix in ${kind} of ${producer.backend} (${producer.source})`,
          { hints: ['Use a separate directory per model/engine.'] },
        );
      }
      const entries: Record<string, SavedEntry> = { ...(old?.entries ?? {}) };
      let recovered = 0;
      for (const [key, entry] of journal?.entries ?? []) {
        // An entry whose files are not all there was being written when the run died: drop it.
        if (await filesPresent(dir, entry)) { entries[key] = entry; recovered++; }
      }
      return { entries, preprocess: old?.preprocess ?? journal?.header.preprocess, recovered };
    } catch (err) {
      await releaseLock(dir);
      throw err;
    }
  }

  /**
   * Prepare `dir` (see the directory policy above) and return a writer for it.
   * @throws UsageError for a directory that must not be written into (or another writer holds); InputError when it cannot be.
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
    const inputShapes: Record<string, { dtype: string; shape: number[] }> = {};
    for (const [name, t] of inputs) inputShapes[name] = { dtype: t.dtype, shape: [...t.shape] };
    await this.addRecorded(key, tensors, { inputDigest: tensorMapDigest(inputs), inputs: inputShapes });
  }

  /**
   * Save `tensors` under `key` with an input description recorded elsewhere (merging saved runs:
   * the feeds are gone, their digest and shapes are in the source run's manifest).
   */
  async addRecorded(key: string, tensors: TensorMap, recorded: Pick<SavedEntry, 'inputDigest' | 'inputs'>): Promise<void> {
    if (this.#closed) throw new UsageError(`${this.dir}: saved run already closed`);
    const folder = `${slug(key)}-${createHash('sha256').update(key).digest('hex').slice(0, 8)}`;
    const folderPath = join(this.dir, folder);
    await ensureEntryFolder(folderPath);
    const files: Record<string, SavedFile> = {};
    const used = new Set<string>();
    for (const [name, t] of tensors) {
      let base = slug(name);
      for (let i = 2; used.has(base.toLowerCase()); i++) base = `${slug(name)}-${i}`;
      used.add(base.toLowerCase());
      const rel = `${folder}/${base}.npy`;
      await writeAtomically(join(this.dir, rel), writeNpy(t));
      files[name] = { path: rel, dtype: t.dtype, shape: [...t.shape] };
    }
    const entry: SavedEntry = { inputDigest: recorded.inputDigest, inputs: recorded.inputs, files };
    // Closed meanwhile (stopped at once): the manifest is written; this entry's files are left unlisted.
    if (this.#closed) return;
    const before = this.#old[key];
    if (before !== undefined && !this.#replaced.has(key)) this.#replaced.set(key, this.#whyReplaced(before, entry));
    this.#entries.set(key, entry);
    await this.#journal(key, entry);
  }

  /** Why an entry saved earlier is replaced: a preprocessing flag that changed, or whether the input did. */
  #whyReplaced(before: SavedEntry, now: SavedEntry): string {
    const was = this.#oldPreprocess;
    const is = this.#preprocess;
    const flags: string[] = [];
    if (was && is) {
      if (was.pipeline !== is.pipeline) flags.push('--pipeline');
      for (const k of new Set([...Object.keys(was.settings ?? {}), ...Object.keys(is.settings ?? {})])) {
        if (was.settings?.[k] !== is.settings?.[k]) flags.push(k);
      }
    }
    if (flags.length > 0) return `${flags.join(', ')} differ${flags.length === 1 ? 's' : ''}`;
    return before.inputDigest === now.inputDigest ? 'same inputs saved again' : 'inputs differ';
  }

  async #journal(key: string, entry: SavedEntry): Promise<void> {
    const path = join(this.dir, JOURNAL_FILE);
    try {
      if (!this.#journalStarted) {
        // The header repeats what the manifest will say, so a journal alone describes the run.
        await writeAtomically(path, `${JSON.stringify(this.#manifest({}))}\n`);
        this.#journalStarted = true;
      }
      await appendFile(path, `${JSON.stringify({ key, entry })}\n`);
    } catch (err) {
      throw asWriteError(path, err);
    }
  }

  #manifest(entries: Record<string, SavedEntry>): SavedManifest {
    return {
      format: SAVED_RUN_FORMAT,
      version: SAVED_RUN_VERSION,
      kind: this.kind,
      producer: this.producer,
      inputs: this.declaredInputs,
      outputs: this.declaredOutputs,
      entries,
      ...(this.#preprocess === undefined ? {} : { preprocess: this.#preprocess }),
    };
  }

  /** Write manifest.json (atomically), remove the journal and the lock, and stop accepting entries. Returns `summary`. */
  async close(): Promise<SavedRunSummary> {
    if (this.#closed) throw new UsageError(`${this.dir}: saved run already closed`);
    this.#closed = true;
    const path = join(this.dir, MANIFEST_FILE);
    try {
      await writeAtomically(path, `${JSON.stringify(this.#manifest(Object.fromEntries(this.#entries)), null, 1)}\n`);
      await rm(join(this.dir, JOURNAL_FILE), { force: true });
    } finally {
      await releaseLock(this.dir);
    }
    return this.summary;
  }

  /** Gives the directory up without a manifest (the journal stays, so a later run resumes it). */
  async abandon(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await releaseLock(this.dir);
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** What the directory holds (or will hold, before close): entry count, replacements, notes for the report. */
  get summary(): SavedRunSummary {
    const n = this.#replaced.size;
    const what = this.kind === 'outputs' ? 'outputs' : 'inputs';
    const notes = [`saved ${what} of ${this.#entries.size} input${this.#entries.size === 1 ? '' : 's'} in ${this.dir}`];
    if (this.#recovered > 0) notes.push(`${this.#recovered} entr${this.#recovered === 1 ? 'y' : 'ies'} recovered from an interrupted run in ${this.dir}`);
    if (n > 0) {
      const reasons = new Map<string, number>();
      for (const why of this.#replaced.values()) reasons.set(why, (reasons.get(why) ?? 0) + 1);
      for (const [why, count] of reasons) notes.push(`${count} entr${count === 1 ? 'y' : 'ies'} replaced in ${this.dir}: ${why}`);
    }
    return { dir: this.dir, entries: this.#entries.size, replaced: n, notes };
  }
}

interface Prepared {
  readonly entries: Readonly<Record<string, SavedEntry>>;
  readonly preprocess: SavedPreprocess | undefined;
  readonly recovered: number;
}

/** A file-name-safe, readable stem: keeps [A-Za-z0-9._-], maps the rest to '_', at most 60 chars. */
function slug(s: string): string {
  const cleaned = s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(-60);
  return cleaned === '' ? 'tensor' : cleaned;
}

function asWriteError(path: string, err: unknown): Error {
  if (err instanceof UsageError || err instanceof InputError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  const why = code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'permission denied'
    : code === 'ENOSPC' ? 'no space left on device'
      : code === 'ENOENT' ? 'a parent folder cannot be created there'
        : code === 'ENOTDIR' ? 'a parent is not a directory'
          : (err as Error).message;
  return new InputError(path, `cannot write: ${why}`, { cause: err });
}

/** mkdir -p, one level at a time and at most 256 levels (recursive mkdir never returns under /proc). */
async function makeDirectory(dir: string, depth = 0): Promise<void> {
  try {
    await mkdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      const s = await stat(dir).catch((e: unknown) => { throw asWriteError(dir, e); });
      if (!s.isDirectory()) throw new UsageError(`${dir}: exists and is not a directory; give a directory to save into`);
      return;
    }
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir || depth > 256) throw asWriteError(dir, err);
    await makeDirectory(parent, depth + 1);
    try {
      await mkdir(dir);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw asWriteError(dir, again);
    }
  }
}

/** The folder of one entry: created, or reused if it is a real folder; a symbolic link is refused. */
async function ensureEntryFolder(path: string): Promise<void> {
  try {
    await mkdir(path);
    return;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw asWriteError(path, err);
  }
  const s = await lstat(path).catch((e: unknown) => { throw asWriteError(path, e); });
  if (s.isSymbolicLink()) throw new InputError(path, 'is a symbolic link inside the saved run; refusing to write through it (delete it, or save into a new directory)');
  if (!s.isDirectory()) throw new InputError(path, 'exists and is not a directory; refusing to replace it');
}

/** Writes to `<path>.tmp-<pid>` (created exclusively, so never through a link) and renames it into place. */
async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    await rm(tmp, { force: true });
    const handle = await open(tmp, 'wx');
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => {});
    throw asWriteError(path, err);
  }
}

interface LockHolder {
  readonly pid: number;
  readonly host: string;
  readonly started: string;
}

/** Takes `dir`'s writer lock. @throws UsageError naming the holder when another live run has it. */
async function acquireLock(dir: string): Promise<void> {
  const path = join(dir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), started: new Date().toISOString() };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(me)}\n`);
      } finally {
        await handle.close();
      }
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw asWriteError(path, err);
    }
    const holder = await readLock(path);
    if (holder !== null && holder.host === me.host && !isAlive(holder.pid)) {
      // Its process is gone (killed): the lock is stale, take it over.
      await unlink(path).catch(() => {});
      continue;
    }
    const who = holder === null ? 'another trt-parity run' : `trt-parity (pid ${holder.pid} on ${holder.host}, since ${holder.started})`;
    throw new UsageError(`${dir}: ${who} is writing into this saved run; refusing a second writer`, {
      hints: ['wait for it to finish or save into another directory', `if no such run exists any more, delete ${path}`],
    });
  }
  throw new UsageError(`${dir}: cannot take the writer lock ${path}; another run keeps taking it`);
}

async function readLock(path: string): Promise<LockHolder | null> {
  try {
    const j = JSON.parse((await readRegularFile(path, { maxBytes: 64 * 1024, noFollow: true })).toString('utf8')) as Partial<LockHolder>;
    return typeof j.pid === 'number' && typeof j.host === 'string' ? { pid: j.pid, host: j.host, started: String(j.started ?? '?') } : null;
  } catch {
    return null;
  }
}

async function releaseLock(dir: string): Promise<void> {
  const path = join(dir, LOCK_FILE);
  const holder = await readLock(path);
  if (holder?.pid === process.pid) await unlink(path).catch(() => {});
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The journal of a run that did not close: its header (a manifest without entries) and the entries, last line first dropped if cut. */
async function readJournal(dir: string): Promise<{ header: SavedManifest; entries: [string, SavedEntry][] }> {
  const path = join(dir, JOURNAL_FILE);
  // Bounded and typed like every read: a FIFO or a link planted as the journal must not hang or leak.
  const lines = (await readRegularFile(path, { maxBytes: MAX_MANIFEST_BYTES, what: 'journal', noFollow: true })).toString('utf8').split('\n');
  let header: SavedManifest;
  try {
    header = validateManifest(JSON.parse(lines[0] ?? ''), path);
  } catch {
    throw new UsageError(`${dir}: its journal ${JOURNAL_FILE} is unreadable, so the interrupted run cannot be resumed`, { hints: [`delete it (rm -r ${dir}) or save into another directory`] });
  }
  const entries: [string, SavedEntry][] = [];
  for (const line of lines.slice(1)) {
    if (line.trim() === '') continue;
    try {
      const { key, entry } = JSON.parse(line) as { key: string; entry: SavedEntry };
      // Validated as a manifest of one entry: the same rules (contained paths, known dtypes) apply.
      validateManifest({ ...header, entries: { [key]: entry } }, path);
      entries.push([key, entry]);
    } catch {
      // The line being written when the run died: it and anything after it are not trusted.
      break;
    }
  }
  return { header, entries };
}

async function filesPresent(dir: string, entry: SavedEntry): Promise<boolean> {
  for (const f of Object.values(entry.files)) {
    const s = await lstat(join(dir, f.path)).catch(() => null);
    if (s === null || !s.isFile()) return false;
  }
  return true;
}

/** Entry folders (`<slug>-<8 hex>`) holding only .npy files: what a killed writer leaves. */
async function looksLikeInterruptedRun(dir: string, names: readonly string[]): Promise<boolean> {
  for (const name of names) {
    if (!/-[0-9a-f]{8}$/.test(name)) return false;
    const s = await lstat(join(dir, name)).catch(() => null);
    if (s === null || !s.isDirectory()) return false;
    const inner = await readdir(join(dir, name)).catch(() => ['?']);
    if (!inner.every((f) => f.endsWith('.npy') || TMP_RE.test(f))) return false;
  }
  return true;
}
