import { InvalidArgumentError } from 'commander';
import { expected } from '../errors.js';

/** Parsers for option values. Each throws commander's InvalidArgumentError, which main.ts turns into exit 2. */

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parseTriple(name: string) {
  return (value: string): [number, number, number] => {
    const parts = value.split(',').map((s) => s.trim());
    const nums = parts.map(Number);
    if (parts.length !== 3 || parts.some((p) => p === '') || nums.some((n) => !Number.isFinite(n))) {
      throw new InvalidArgumentError(expected('three comma-separated numbers like 0.5,0.5,0.5', name, value));
    }
    return nums as [number, number, number];
  };
}

export function parsePositiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(expected('a positive number', name, value));
    return n;
  };
}

export function parseNonNegativeNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new InvalidArgumentError(expected('a non-negative number', name, value));
    return n;
  };
}

export function parseNonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw new InvalidArgumentError(expected('a non-negative integer', name, value));
    return n;
  };
}

export function parsePositiveInt(name: string) {
  return (value: string): number => {
    const n = parseNonNegativeInt(name)(value);
    if (n === 0) throw new InvalidArgumentError(expected('a positive integer', name, value));
    return n;
  };
}

/** `--input name=file.npy`, repeatable. */
export function collectNamedFile(value: string, previous: Map<string, string> = new Map()): Map<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0 || eq === value.length - 1) throw new InvalidArgumentError(expected('name=file.npy', '--input', value));
  const name = value.slice(0, eq);
  if (previous.has(name)) throw new InvalidArgumentError(`--input ${name} is given twice`);
  return new Map(previous).set(name, value.slice(eq + 1));
}

export function oneOf<T extends string>(name: string, choices: readonly T[]) {
  return (value: string): T => {
    if (!(choices as readonly string[]).includes(value)) throw new InvalidArgumentError(expected(`one of ${choices.join(', ')}`, name, value));
    return value as T;
  };
}

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function useColor(stream: NodeJS.WriteStream): boolean {
  return Boolean(stream.isTTY) && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '') && process.env.TERM !== 'dumb';
}
