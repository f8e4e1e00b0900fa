/**
 * The fields Ultralytics writes into an exported model's metadata, parsed.
 *
 * Ultralytics' exporter stores `str(v)` of Python values in ONNX metadata_props (`names` is a
 * Python dict repr such as `{0: 'person', 1: "men's"}`, `imgsz` a list repr `[640, 640]`), and
 * `json.dumps` of the same dict in the header of its TensorRT engines (`names` keys become
 * strings there). Both are read here with one small literal reader, so that the class names and
 * task of a model are the same whichever backend they came from. Pure: no I/O.
 */

export interface UltralyticsMetadata {
  /** `task` as written ("classify", "detect", "segment", "pose", "obb", ...). */
  readonly task?: string;
  /** Class index → name, from `names`. */
  readonly names?: ReadonlyMap<number, string>;
  /** Model input [height, width], from `imgsz` (a single number means a square input). */
  readonly imgsz?: readonly [number, number];
  /** Largest stride of the model, from `stride`. */
  readonly stride?: number;
  /** Other metadata keys as written (author, version, batch, args, ...). */
  readonly raw: ReadonlyMap<string, string>;
}

/**
 * Ultralytics fields from a model's metadata (ONNX metadata_props, or the JSON an Ultralytics
 * TensorRT export puts before the plan). Returns undefined when none of `task`, `names`, `imgsz`,
 * `stride` is there or readable: a model without Ultralytics metadata is not an error. A field
 * that cannot be parsed is left out rather than guessed.
 */
export function parseUltralyticsMetadata(props: ReadonlyMap<string, string> | Readonly<Record<string, unknown>>): UltralyticsMetadata | undefined {
  const raw = new Map<string, string>();
  const values = new Map<string, unknown>();
  const entries: Iterable<[string, unknown]> = props instanceof Map ? props.entries() : Object.entries(props);
  for (const [k, v] of entries) {
    if (typeof v === 'string') {
      raw.set(k, v);
      values.set(k, tryLiteral(v) ?? v);
    } else {
      raw.set(k, JSON.stringify(v));
      values.set(k, v);
    }
  }
  const task = values.get('task');
  const names = toNames(values.get('names'));
  const imgsz = toImgsz(values.get('imgsz'));
  const stride = toPositiveInt(values.get('stride'));
  const out: { -readonly [K in keyof UltralyticsMetadata]: UltralyticsMetadata[K] } = { raw };
  if (typeof task === 'string' && task !== '') out.task = task;
  if (names !== undefined) out.names = names;
  if (imgsz !== undefined) out.imgsz = imgsz;
  if (stride !== undefined) out.stride = stride;
  return out.task === undefined && names === undefined && imgsz === undefined && stride === undefined ? undefined : out;
}

function toNames(v: unknown): ReadonlyMap<number, string> | undefined {
  const m = new Map<number, string>();
  if (Array.isArray(v)) {
    // YOLOv5 and early exports wrote a list of names.
    v.forEach((n, i) => { if (typeof n === 'string') m.set(i, n); });
    return m.size === v.length && m.size > 0 ? m : undefined;
  }
  if (v instanceof Map || (typeof v === 'object' && v !== null)) {
    const pairs: Iterable<[unknown, unknown]> = v instanceof Map ? v.entries() : Object.entries(v);
    for (const [k, n] of pairs) {
      const i = typeof k === 'number' ? k : typeof k === 'string' && /^\d+$/.test(k) ? Number(k) : NaN;
      if (!Number.isInteger(i) || i < 0 || typeof n !== 'string') return undefined;
      m.set(i, n);
    }
    return m.size > 0 ? m : undefined;
  }
  return undefined;
}

function toImgsz(v: unknown): readonly [number, number] | undefined {
  const n = toPositiveInt(v);
  if (n !== undefined) return [n, n];
  if (Array.isArray(v) && v.length === 2) {
    const h = toPositiveInt(v[0]);
    const w = toPositiveInt(v[1]);
    if (h !== undefined && w !== undefined) return [h, w];
  }
  return undefined;
}

function toPositiveInt(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : undefined;
}

function tryLiteral(s: string): unknown {
  try {
    return parsePythonLiteral(s);
  } catch {
    return undefined;
  }
}

/**
 * A Python literal (the subset `str()` of metadata values produces) or JSON: dicts (returned as a
 * Map, since keys may be ints), lists and tuples (arrays), strings with either quote and
 * backslash escapes, ints, floats, True/False/None and true/false/null.
 * @throws SyntaxError on anything else.
 */
export function parsePythonLiteral(src: string): unknown {
  let i = 0;
  const fail = (what: string): never => { throw new SyntaxError(`${what} at offset ${i}`); };
  const ws = () => { while (i < src.length && /\s/.test(src[i]!)) i++; };
  const value = (): unknown => {
    ws();
    const c = src[i];
    if (c === undefined) return fail('unexpected end');
    if (c === '{') return container('}', true);
    if (c === '[' || c === '(') return container(c === '[' ? ']' : ')', false);
    if (c === '"' || c === "'") return str(c);
    const word = /^(True|False|None|true|false|null)\b/.exec(src.slice(i));
    if (word) {
      i += word[1]!.length;
      return word[1] === 'True' || word[1] === 'true' ? true : word[1] === 'False' || word[1] === 'false' ? false : null;
    }
    const num = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i));
    if (num) {
      i += num[0].length;
      return Number(num[0]);
    }
    return fail(`unexpected '${c}'`);
  };
  const container = (close: string, isDict: boolean): unknown => {
    i++;
    const arr: unknown[] = [];
    const map = new Map<unknown, unknown>();
    for (;;) {
      ws();
      if (src[i] === close) { i++; break; }
      const k = value();
      if (isDict) {
        ws();
        if (src[i] !== ':') fail("expected ':'");
        i++;
        map.set(k, value());
      } else arr.push(k);
      ws();
      if (src[i] === ',') { i++; continue; }
      if (src[i] === close) { i++; break; }
      fail(`expected ',' or '${close}'`);
    }
    return isDict ? map : arr;
  };
  const ESC: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '/': '/', b: '\b', f: '\f', '0': '\0' };
  const str = (q: string): string => {
    i++;
    let out = '';
    while (i < src.length && src[i] !== q) {
      if (src[i] === '\\') {
        const e = src[i + 1] ?? '';
        const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
        if (hex > 0) {
          const h = src.slice(i + 2, i + 2 + hex);
          if (!/^[0-9a-fA-F]+$/.test(h) || h.length !== hex) fail('bad escape');
          out += String.fromCodePoint(parseInt(h, 16));
          i += 2 + hex;
        } else {
          out += ESC[e] ?? `\\${e}`;
          i += 2;
        }
      } else out += src[i++];
    }
    if (src[i] !== q) fail('unterminated string');
    i++;
    return out;
  };
  const v = value();
  ws();
  if (i !== src.length) fail('trailing characters');
  return v;
}
