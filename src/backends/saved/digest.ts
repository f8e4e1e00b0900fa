/**
 * A content digest of a set of tensors: the fingerprint a saved run records for each input, so a
 * replay can tell "same preprocessed input" from "something in preprocessing changed".
 */
import { createHash } from 'node:crypto';
import { bytesOf } from '../../tensor/dtype.js';
import type { TensorMap } from '../../tensor/types.js';

/**
 * "sha256:<hex>" over every tensor's name, dtype, shape and raw little-endian bytes.
 * Canonical order: tensors sorted by name (code unit order), so the map's order does not matter.
 * Each field is length-prefixed, so no two different maps serialise to the same byte stream.
 */
export function tensorMapDigest(tensors: TensorMap): string {
  const h = createHash('sha256');
  h.update(`trt-parity-tensors-v1\n${tensors.size}\n`);
  for (const name of [...tensors.keys()].sort()) {
    const t = tensors.get(name)!;
    const bytes = bytesOf(t.data);
    const nameBytes = Buffer.from(name, 'utf8');
    h.update(`${nameBytes.byteLength}:`);
    h.update(nameBytes);
    h.update(`\n${t.dtype}\n[${t.shape.join(',')}]\n${bytes.byteLength}\n`);
    h.update(bytes);
  }
  return `sha256:${h.digest('hex')}`;
}
