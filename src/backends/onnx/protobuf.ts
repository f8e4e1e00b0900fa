/**
 * A minimal protobuf wire-format reader: just enough to walk an ONNX ModelProto.
 *
 * Why hand-written: the project must not carry protobufjs/onnx-proto at runtime (onnx-proto is a
 * dev dependency for building fixtures), and we read a dozen fields. Large fields (initializer
 * raw_data) are skipped by length, never copied.
 */

/** Wire types of the protobuf encoding. */
export const WireType = { varint: 0, fixed64: 1, bytes: 2, startGroup: 3, endGroup: 4, fixed32: 5 } as const;

/** One field as it sits on the wire; `bytes` is a view into the message, not a copy. */
export interface Field {
  readonly number: number;
  readonly wireType: number;
  /** For varint fields, the value as a signed 64-bit integer (exact within ±2^53). */
  readonly varint: number;
  /** For length-delimited fields: a subarray of the message. */
  readonly bytes: Uint8Array;
}

/** Thrown on bytes that are not a well-formed protobuf message; callers turn it into an InputError. */
export class ProtobufError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtobufError';
  }
}

const EMPTY = new Uint8Array(0);
const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Iterate over the top-level fields of one message. */
export function* fields(msg: Uint8Array): Generator<Field> {
  let pos = 0;
  const readVarint = (): number => {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 10; i++) {
      if (pos >= msg.length) throw new ProtobufError(`varint runs past the end at byte ${pos}`);
      const b = msg[pos++]!;
      if (i < 7) {
        result += (b & 0x7f) * 2 ** shift;
      } else {
        // Bytes 8–10 only occur for huge or negative int64 values: finish exactly in BigInt.
        let big = BigInt(result) + (BigInt(b & 0x7f) << BigInt(shift));
        let s = shift + 7;
        let more = (b & 0x80) !== 0;
        while (more) {
          if (pos >= msg.length || s > 63) throw new ProtobufError(`malformed varint at byte ${pos}`);
          const c = msg[pos++]!;
          big += BigInt(c & 0x7f) << BigInt(s);
          s += 7;
          more = (c & 0x80) !== 0;
        }
        return Number(BigInt.asIntN(64, big));
      }
      shift += 7;
      if ((b & 0x80) === 0) return result;
    }
    throw new ProtobufError(`malformed varint at byte ${pos}`);
  };
  while (pos < msg.length) {
    const key = readVarint();
    const number = Math.floor(key / 8);
    const wireType = key % 8;
    if (number === 0) throw new ProtobufError(`field number 0 at byte ${pos}`);
    switch (wireType) {
      case WireType.varint:
        yield { number, wireType, varint: readVarint(), bytes: EMPTY };
        break;
      case WireType.fixed64:
      case WireType.fixed32: {
        const n = wireType === WireType.fixed64 ? 8 : 4;
        if (pos + n > msg.length) throw new ProtobufError(`fixed field runs past the end at byte ${pos}`);
        yield { number, wireType, varint: 0, bytes: msg.subarray(pos, pos + n) };
        pos += n;
        break;
      }
      case WireType.bytes: {
        const len = readVarint();
        if (len < 0 || pos + len > msg.length) throw new ProtobufError(`field ${number} claims ${len} bytes but only ${msg.length - pos} remain`);
        yield { number, wireType, varint: 0, bytes: msg.subarray(pos, pos + len) };
        pos += len;
        break;
      }
      default:
        // Groups are deprecated and ONNX never uses them: treat as corruption.
        throw new ProtobufError(`unsupported wire type ${wireType} for field ${number} at byte ${pos}`);
    }
  }
}

/** The UTF-8 text of a length-delimited field. */
export function text(f: Field): string {
  return utf8.decode(f.bytes);
}
