/**
 * What an .onnx file says about itself, read straight from its ModelProto without ONNX Runtime.
 *
 * I/O comes from the proto, not from ORT's session metadata, because: it needs no session (no
 * kernel resolution, so it works for models ORT cannot run, e.g. with custom ops or bfloat16 I/O
 * that onnxruntime-node rejects); it keeps the model's own dim names and unknown ranks; and it is
 * what `inspect` should show for a file even when the backend is broken. Graph inputs that are
 * also initializers (IR < 4 models list weights as inputs) are left out, as ORT does.
 */
import { InputError } from '../../errors.js';
import { MAX_MODEL_FILE_BYTES } from '../../io/limits.js';
import { readRegularFile } from '../../io/read-file.js';
import type { Dim } from '../../tensor/types.js';
import type { OnnxIoInfo, OnnxModelInfo, OpsetImport } from '../../report/model/inspect.js';
import { parseUltralyticsMetadata } from '../../tasks/ultralytics-metadata.js';
import { ProtobufError, WireType, fields, text, type Field } from './protobuf.js';

/** ONNX TensorProto.DataType → the type name used in TensorInfo (ours where we have one, else ORT's). */
export const ONNX_ELEMENT_TYPES: Readonly<Record<number, string>> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64', 14: 'complex64', 15: 'complex128', 16: 'bfloat16',
  17: 'float8e4m3fn', 18: 'float8e4m3fnuz', 19: 'float8e5m2', 20: 'float8e5m2fnuz', 21: 'uint4', 22: 'int4', 23: 'float4e2m1',
};

// The shapes of what this reader returns are report models (report/model/inspect.ts): one definition.
export type { OnnxIoInfo, OnnxModelInfo, OpsetImport } from '../../report/model/inspect.js';

/**
 * Read and describe an ONNX model file.
 * @throws InputError when the file is missing or unreadable (naming it), or is not an ONNX model.
 */
export async function inspectOnnx(path: string): Promise<OnnxModelInfo> {
  // Regular files only, bounded (a FIFO or /dev/zero given as a model must not hang or fill the heap).
  const bytes = await readRegularFile(path, { maxBytes: MAX_MODEL_FILE_BYTES, what: 'ONNX model' });
  return parseOnnxModel(bytes, path);
}

/** `inspectOnnx` on bytes already in memory; `path` names them in errors. */
export function parseOnnxModel(bytes: Uint8Array, path: string): OnnxModelInfo {
  const notOnnx = (why: string, cause?: unknown): InputError =>
    new InputError(path, `not an ONNX model: ${why}`, {
      hints: ['trt-parity expects an .onnx file here (a serialized ModelProto); TensorRT engines go in the other argument.'],
      cause,
    });
  try {
    const m = {
      irVersion: 0, producerName: '', producerVersion: '', domain: '', modelVersion: 0, docString: '',
      opsets: [] as OpsetImport[], metadata: new Map<string, string>(),
    };
    let graph: Field | undefined;
    for (const f of fields(bytes)) {
      const isBytes = f.wireType === WireType.bytes;
      const isVarint = f.wireType === WireType.varint;
      if (f.number === 1 && isVarint) m.irVersion = f.varint;
      else if (f.number === 2 && isBytes) m.producerName = text(f);
      else if (f.number === 3 && isBytes) m.producerVersion = text(f);
      else if (f.number === 4 && isBytes) m.domain = text(f);
      else if (f.number === 5 && isVarint) m.modelVersion = f.varint;
      else if (f.number === 6 && isBytes) m.docString = text(f);
      else if (f.number === 7 && isBytes) graph = f;
      else if (f.number === 8 && isBytes) m.opsets.push(parseOpset(f.bytes));
      else if (f.number === 14 && isBytes) {
        const [k, v] = parseStringPair(f.bytes);
        m.metadata.set(k, v);
      }
    }
    if (graph === undefined) throw notOnnx('it has no graph');
    if (m.irVersion <= 0) throw notOnnx('it has no ir_version');
    const g = parseGraph(graph.bytes);
    const ultralytics = parseUltralyticsMetadata(m.metadata);
    return { path, fileBytes: bytes.byteLength, ...m, ...g, ...(ultralytics === undefined ? {} : { ultralytics }) };
  } catch (err) {
    if (err instanceof ProtobufError) throw notOnnx(`protobuf parsing failed (${err.message})`, err);
    throw err;
  }
}

function parseOpset(b: Uint8Array): OpsetImport {
  let domain = '';
  let version = 0;
  for (const f of fields(b)) {
    if (f.number === 1 && f.wireType === WireType.bytes) domain = text(f);
    else if (f.number === 2 && f.wireType === WireType.varint) version = f.varint;
  }
  return { domain, version };
}

function parseStringPair(b: Uint8Array): [string, string] {
  let k = '';
  let v = '';
  for (const f of fields(b)) {
    if (f.number === 1 && f.wireType === WireType.bytes) k = text(f);
    else if (f.number === 2 && f.wireType === WireType.bytes) v = text(f);
  }
  return [k, v];
}

function parseGraph(b: Uint8Array) {
  let graphName = '';
  let nodeCount = 0;
  const initializerNames = new Set<string>();
  const inputs: OnnxIoInfo[] = [];
  const outputs: OnnxIoInfo[] = [];
  for (const f of fields(b)) {
    if (f.wireType !== WireType.bytes) continue;
    if (f.number === 1) nodeCount++;
    else if (f.number === 2) graphName = text(f);
    else if (f.number === 5) initializerNames.add(tensorName(f.bytes));
    else if (f.number === 11) inputs.push(parseValueInfo(f.bytes));
    else if (f.number === 12) outputs.push(parseValueInfo(f.bytes));
  }
  return {
    graphName,
    nodeCount,
    initializerCount: initializerNames.size,
    inputs: inputs.filter((i) => !initializerNames.has(i.name)),
    outputs,
  };
}

/** TensorProto.name is field 8; raw_data (field 9) is skipped by length. */
function tensorName(b: Uint8Array): string {
  for (const f of fields(b)) if (f.number === 8 && f.wireType === WireType.bytes) return text(f);
  return '';
}

const TYPE_KINDS: Readonly<Record<number, string>> = { 1: 'tensor', 4: 'sequence', 5: 'map', 8: 'sparse_tensor', 9: 'optional' };

function parseValueInfo(b: Uint8Array): OnnxIoInfo {
  let name = '';
  let dtype = 'unknown';
  let kind = 'unknown';
  let shape: Dim[] = [];
  let rankKnown = false;
  for (const f of fields(b)) {
    if (f.number === 1 && f.wireType === WireType.bytes) name = text(f);
    else if (f.number === 2 && f.wireType === WireType.bytes) {
      for (const t of fields(f.bytes)) {
        if (t.wireType !== WireType.bytes) continue;
        kind = TYPE_KINDS[t.number] ?? 'unknown';
        // Tensor and SparseTensor share the layout: elem_type = 1, shape = 2.
        if (t.number !== 1 && t.number !== 8) continue;
        for (const tt of fields(t.bytes)) {
          if (tt.number === 1 && tt.wireType === WireType.varint) dtype = ONNX_ELEMENT_TYPES[tt.varint] ?? `onnx-type-${tt.varint}`;
          else if (tt.number === 2 && tt.wireType === WireType.bytes) {
            rankKnown = true;
            shape = [...fields(tt.bytes)].filter((d) => d.number === 1 && d.wireType === WireType.bytes).map((d) => parseDim(d.bytes));
          }
        }
      }
    }
  }
  if (kind !== 'tensor' && kind !== 'sparse_tensor') dtype = kind;
  return { name, dtype, shape, rankKnown, kind };
}

function parseDim(b: Uint8Array): Dim {
  let dim: Dim = null;
  for (const f of fields(b)) {
    if (f.number === 1 && f.wireType === WireType.varint) dim = f.varint;
    else if (f.number === 2 && f.wireType === WireType.bytes) dim = text(f) || null;
  }
  // ONNX uses -1 or 0-with-no-param for "unknown" in some exporters; keep negatives as unknown.
  return typeof dim === 'number' && dim < 0 ? null : dim;
}
