/**
 * The one reader of engine files. It tells, from the bytes alone and without TensorRT, whether a
 * file is a TensorRT plan, where the plan starts, which TensorRT built it, and what an Ultralytics
 * export wrapped around it.
 *
 * Layouts (none documented by NVIDIA; each was read from real files, see the tests):
 * - `ftrt` plans (TensorRT 8 and later): the ASCII magic `ftrt` at offset 0, the plan's size in bytes
 *   as a u64 little-endian at offset 16, and the four-part version of the TensorRT that built it at
 *   bytes 24..27 (major, minor, patch, build): 8.6.1.6 and 10.0.1.6 plans read so. Bytes 24..26 are
 *   what an NVIDIA engineer pointed at in NVIDIA/TensorRT#3073 and Autoware compares.
 * - `ptrt` plans: TensorRT 7 (no TensorRT this tool supports can load them).
 * - Ultralytics `.engine` files: `[int32 LE length n][n bytes of JSON metadata][plan]`, written by
 *   ultralytics/engine/exporter.py (export_engine: `f.write(len(meta).to_bytes(4, byteorder="little",
 *   signed=True)); f.write(meta.encode()); f.write(engine.serialize())`) and read back the same way by
 *   ultralytics/nn/autobackend.py.
 * Anything else is not a TensorRT plan: an InputError (exit 2), before any TensorRT call.
 */
import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';
import { InputError } from '../../errors.js';
import { notRegularFile } from '../../io/read-file.js';
import type { EngineExportMetadata } from '../../report/model/inspect.js';
import { parseUltralyticsMetadata } from '../../tasks/ultralytics-metadata.js';

/** The magic of TensorRT 8+ plans, at offset 0. */
export const FTRT_MAGIC = 'ftrt';
/** The magic of TensorRT 7 plans. */
export const PTRT_MAGIC = 'ptrt';
/** Bytes an `ftrt` header needs for its size (16..23) and version (24..27). */
export const FTRT_HEADER_BYTES = 28;
/** The sentence every "this is no plan" error carries, so that inspect, compare and bench say the same. */
export const NOT_A_PLAN = 'not a TensorRT plan';

/** The Ultralytics export metadata (the report model's type: inspect prints it as read here). */
export type UltralyticsMetadata = EngineExportMetadata;

export interface PlanFileInfo {
  /** `ftrt` (TensorRT 8+) or `ptrt` (TensorRT 7). */
  readonly format: 'ftrt' | 'ptrt';
  /** Where the plan starts in the file: 0, or 4 + the metadata length for an Ultralytics file. */
  readonly planOffset: number;
  /** Bytes from planOffset to the end of the file. */
  readonly planBytes: number;
  /** The size the `ftrt` header declares (offset 16); null for `ptrt`. */
  readonly declaredBytes: number | null;
  /** "10.0.1.6" from bytes 24..27 of an `ftrt` plan; null for `ptrt`. */
  readonly version: string | null;
  /** Present when an Ultralytics header wraps the plan. */
  readonly ultralytics: UltralyticsMetadata | null;
}

/** How many leading bytes `readPlanFileInfo` reads: enough for any Ultralytics metadata we accept. */
export const PLAN_HEAD_BYTES = 4 << 20;

const ascii = (b: Uint8Array, at: number): string => String.fromCharCode(b[at]!, b[at + 1]!, b[at + 2]!, b[at + 3]!);

function positiveInt(v: unknown): number | null {
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : null;
}

/**
 * The metadata of an Ultralytics engine. task, class names, imgsz and stride come from the one
 * Ultralytics metadata reader (tasks/ultralytics-metadata.ts, shared with ONNX models), so a model
 * and its engine name classes the same way.
 */
export function ultralyticsMetadataOf(raw: Readonly<Record<string, unknown>>): UltralyticsMetadata {
  const parsed = parseUltralyticsMetadata(raw);
  const args = raw['args'];
  let classNames: string[] | null = null;
  if (parsed?.names !== undefined) {
    const names = [...parsed.names.entries()].sort((a, b) => a[0] - b[0]);
    // Only a complete 0..n-1 list is usable as class names by index.
    if (names.every(([i], k) => i === k)) classNames = names.map(([, n]) => n);
  }
  return {
    task: parsed?.task ?? null,
    imgsz: parsed?.imgsz ?? null,
    stride: parsed?.stride ?? null,
    batch: positiveInt(raw['batch']),
    classNames,
    version: typeof raw['version'] === 'string' ? raw['version'] : null,
    exportArgs: typeof args === 'object' && args !== null && !Array.isArray(args) ? (args as Record<string, unknown>) : {},
    raw,
  };
}

/** The metadata of an Ultralytics wrapper at the start of `head`, or null when there is none. */
function ultralyticsHeader(head: Uint8Array, fileBytes: number): { length: number; raw: Record<string, unknown> } | null {
  if (head.length < 6) return null;
  if (ascii(head, 0) === FTRT_MAGIC || ascii(head, 0) === PTRT_MAGIC) return null;
  const length = new DataView(head.buffer, head.byteOffset, head.byteLength).getInt32(0, true);
  // The JSON starts with '{' (json.dumps of a dict); the length must leave room for a plan magic.
  if (length < 2 || head[4] !== 0x7b || 4 + length + 4 > fileBytes || 4 + length > head.length) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(4, 4 + length)));
  } catch {
    return null;
  }
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? { length, raw: parsed as Record<string, unknown> } : null;
}

/**
 * Reads the layout of an engine file from its first bytes.
 * @param head the file's first bytes (the whole file, or at least PLAN_HEAD_BYTES of it)
 * @param fileBytes the file's size
 * @param path names the file in errors
 * @throws InputError "not a TensorRT plan" (with what the bytes are instead), or "truncated"
 */
export function parsePlanFile(head: Uint8Array, fileBytes: number, path: string): PlanFileInfo {
  const wrapper = ultralyticsHeader(head, fileBytes);
  const offset = wrapper === null ? 0 : 4 + wrapper.length;
  const ultralytics = wrapper === null ? null : ultralyticsMetadataOf(wrapper.raw);
  const what = wrapper === null ? '' : ' after its Ultralytics metadata';
  if (head.length < offset + 4) {
    throw new InputError(path, `${NOT_A_PLAN}: ${fileBytes} bytes is too short for a plan${what}`, { hints: hintsFor(path) });
  }
  const magic = ascii(head, offset);
  const planBytes = fileBytes - offset;
  if (magic === PTRT_MAGIC) {
    return { format: 'ptrt', planOffset: offset, planBytes, declaredBytes: null, version: null, ultralytics };
  }
  if (magic !== FTRT_MAGIC) {
    const start = [...head.subarray(offset, offset + 8)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    throw new InputError(path, `${NOT_A_PLAN}${what}: a plan starts with "${FTRT_MAGIC}" (TensorRT 8+) or "${PTRT_MAGIC}" (TensorRT 7), this file with ${start}`, { hints: hintsFor(path) });
  }
  if (head.length < offset + FTRT_HEADER_BYTES || planBytes < FTRT_HEADER_BYTES) {
    throw new InputError(path, `is truncated: its TensorRT plan${what} ends after ${planBytes} bytes, inside the plan header`, { hints: ['copy the engine file again, or rebuild it'] });
  }
  const view = new DataView(head.buffer, head.byteOffset + offset, FTRT_HEADER_BYTES);
  const declared = view.getBigUint64(16, true);
  if (declared > BigInt(planBytes)) {
    throw new InputError(path, `is truncated: its TensorRT plan header says ${declared} bytes, the file holds ${planBytes}${what}`, { hints: ['copy the engine file again, or rebuild it'] });
  }
  const version = [24, 25, 26, 27].map((i) => head[offset + i]!).join('.');
  return { format: 'ftrt', planOffset: offset, planBytes, declaredBytes: Number(declared), version, ultralytics };
}

function hintsFor(path: string): string[] {
  return [/\.onnx$/i.test(path) ? 'this looks like an ONNX model: pass it as the model, and the engine built from it as the engine' : 'build an engine with trtexec --onnx=<model.onnx> --saveEngine=<file.engine>'];
}

/**
 * Reads the layout of the engine file at `path` from its first PLAN_HEAD_BYTES bytes.
 * @throws InputError when the file cannot be read, or is not a (complete) TensorRT plan
 */
export async function readPlanFileInfo(path: string): Promise<PlanFileInfo> {
  let file: FileHandle;
  try {
    // O_NONBLOCK: a FIFO opens at once (and is refused below) instead of blocking a thread forever.
    file = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new InputError(path, `cannot be read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  try {
    const stats = await file.stat();
    if (!stats.isFile()) throw notRegularFile(path, stats);
    const { size } = stats;
    const head = new Uint8Array(Math.min(size, PLAN_HEAD_BYTES));
    const { bytesRead } = await file.read(head, 0, head.length, 0);
    return parsePlanFile(head.subarray(0, bytesRead), size, path);
  } finally {
    await file.close();
  }
}

/** "10.0.1" of "10.0.1.6": the part a library version ("10.0.1") is compared with. */
export function threePartVersion(version: string): string {
  return version.split('.').slice(0, 3).join('.');
}
