/**
 * What a user may ask of task mode on the command line: the tasks, the verdict modes, and the check
 * every gate or threshold value passes. Apart from task.ts so that defining the options (every
 * compare builds them) loads none of the task code, which runs only when a task is asked for.
 */
import { UsageError } from '../errors.js';
import type { TaskKind } from './types.js';

export type TaskRequest = TaskKind | 'auto';
export const TASK_REQUESTS: readonly TaskRequest[] = ['classify', 'detect', 'segment', 'auto'];
export const VERDICT_MODES = ['allclose', 'task', 'both'] as const;

/** Validate a gate or threshold value: a number in [0, 1]. */
export function parseUnitInterval(option: string, raw: string): number {
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v) || v < 0 || v > 1) throw new UsageError(`${option} must be a number from 0 to 1, got '${raw}'`);
  return v;
}
