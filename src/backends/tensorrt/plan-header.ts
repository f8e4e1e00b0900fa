/**
 * The TensorRT version that built a plan, read from the plan bytes without TensorRT.
 *
 * Bytes 24, 25 and 26 hold major, minor and patch (relayed from an NVIDIA engineer in
 * NVIDIA/TensorRT#3073 and used by Autoware; undocumented, see docs guide tensorrt-runtime.md §1.6).
 * Use it only to word messages ("built by 10.3.0, this is 10.16.0"); TensorRT's own
 * deserialization is the authority on whether a plan loads.
 */

/** Bytes needed to read the version. */
export const PLAN_VERSION_BYTES = 27;

/** "10.3.0" from a plan's first bytes; null when the buffer is too short or the bytes cannot be a version. */
export function readPlanVersion(head: Uint8Array): string | null {
  if (head.length < PLAN_VERSION_BYTES) return null;
  const major = head[24]!;
  const minor = head[25]!;
  const patch = head[26]!;
  // No TensorRT release has major 0, nor a major above 99: such bytes mean "not a plan we understand".
  if (major === 0 || major > 99) return null;
  return `${major}.${minor}.${patch}`;
}
