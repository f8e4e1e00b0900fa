/**
 * The task-mode options of compare (issue 15) and their translation into a TaskRunSpec.
 * Defaults live in src/tasks/types.ts; help shows them from there.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../errors.js';
import { TASK_REQUESTS, VERDICT_MODES, parseUnitInterval, type TaskRequest } from '../tasks/requests.js';
import type { TaskRunSpec } from '../tasks/run.js';
import { DEFAULT_MASK_THRESHOLD, DEFAULT_MATCH_IOU, DEFAULT_NMS, type VerdictMode } from '../tasks/types.js';
import { oneOf, parsePositiveInt } from './options.js';

export interface TaskCliOptions {
  readonly task?: TaskRequest;
  readonly verdict?: VerdictMode;
  readonly minAgreement?: number;
  readonly minMiou?: number;
  readonly maskThreshold?: number;
  readonly conf?: number;
  readonly iou?: number;
  readonly maxDet?: number;
  readonly matchIou?: number;
}

const unit = (option: string) => (raw: string): number => {
  try {
    return parseUnitInterval(option, raw);
  } catch (e) {
    throw new InvalidArgumentError(e instanceof UsageError ? e.message : String(e));
  }
};

export function addTaskOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--task <task>', 'also compare the answers: classify (top-1/top-5), detect (boxes), segment (masks), or auto (from output shapes and Ultralytics metadata)').argParser(oneOf('--task', TASK_REQUESTS)))
    .addOption(new Option('--verdict <mode>', 'what decides the exit code: allclose (every output within tolerance), task (the task gates), or both; task and both imply --task auto').argParser(oneOf('--verdict', VERDICT_MODES)).default('allclose'))
    .option('--min-agreement <x>', 'task gate: classify top-1 agreement rate, detect F1, or segment pixel agreement must be >= x (0..1)', unit('--min-agreement'))
    .option('--min-miou <x>', 'task gate for segment: mIoU over the run must be >= x (0..1)', unit('--min-miou'))
    .option('--mask-threshold <x>', `segment: a single-channel probability map is foreground where > x (default ${DEFAULT_MASK_THRESHOLD})`, unit('--mask-threshold'))
    .option('--conf <x>', `detect: keep candidates scoring > x before NMS (default ${DEFAULT_NMS.conf})`, unit('--conf'))
    .option('--iou <x>', `detect: NMS drops a box overlapping a kept one of its class by IoU > x (default ${DEFAULT_NMS.iou})`, unit('--iou'))
    .option('--max-det <n>', `detect: keep at most n boxes per image after NMS (default ${DEFAULT_NMS.maxDet})`, parsePositiveInt('--max-det'))
    .option('--match-iou <x>', `detect: boxes of one class match between the backends at IoU >= x (default ${DEFAULT_MATCH_IOU})`, unit('--match-iou'));
}

/**
 * The task spec, or undefined when no task option was given. Gates, task-only settings or a task
 * verdict without --task mean --task auto; they are never silently ignored.
 */
export function taskSpecOf(opts: TaskCliOptions): TaskRunSpec | undefined {
  const verdict = opts.verdict ?? 'allclose';
  const settings = [opts.minAgreement, opts.minMiou, opts.maskThreshold, opts.conf, opts.iou, opts.maxDet, opts.matchIou];
  if (opts.task === undefined && verdict === 'allclose' && settings.every((v) => v === undefined)) return undefined;
  const nms = {
    ...(opts.conf === undefined ? {} : { conf: opts.conf }),
    ...(opts.iou === undefined ? {} : { iou: opts.iou }),
    ...(opts.maxDet === undefined ? {} : { maxDet: opts.maxDet }),
  };
  return {
    request: opts.task ?? 'auto',
    verdict,
    options: {
      nms: { ...DEFAULT_NMS, ...nms },
      ...(opts.matchIou === undefined ? {} : { matchIou: opts.matchIou }),
      ...(opts.maskThreshold === undefined ? {} : { maskThreshold: opts.maskThreshold }),
      gates: { minAgreement: opts.minAgreement ?? null, minMiou: opts.minMiou ?? null },
    },
  };
}
