import type { Dim } from './types.js';

/** Number of elements of a concrete shape (1 for a scalar). */
export function volume(shape: readonly number[]): number {
  let v = 1;
  for (const d of shape) v *= d;
  return v;
}

/** "[1,3,224,224]"; dynamic dims shown by name or "?". */
export function formatShape(shape: readonly Dim[]): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}

/** Row-major flat index → coordinates. */
export function unravelIndex(flat: number, shape: readonly number[]): number[] {
  const coords = new Array<number>(shape.length).fill(0);
  let rest = flat;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    coords[i] = d === 0 ? 0 : rest % d;
    rest = d === 0 ? 0 : Math.floor(rest / d);
  }
  return coords;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** True when every dim is a non-negative integer. */
export function isConcrete(shape: readonly Dim[]): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number' && Number.isInteger(d) && d >= 0);
}
