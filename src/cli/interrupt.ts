/**
 * Signal handling for long commands:
 * - SIGINT once: finish the input in flight, write every report, exit 130;
 * - SIGINT again, or SIGTERM (what CI runners and `timeout` send): stop waiting at once, still write
 *   every report with what is done and close a --save-outputs folder with its manifest, exit 130/143;
 * - a third signal while reports are being written: exit at once (the escape hatch).
 */
import { Interruption, type StopSignal } from '../app/interruption.js';

export interface Interrupter {
  /** Aborted on the first signal: finish the current input. */
  readonly signal: AbortSignal;
  /** Aborted on a second SIGINT or any SIGTERM: stop now. */
  readonly stopNow: AbortSignal;
  /** True once a signal asked to stop at once: the caller exits as soon as its reports are written. */
  readonly immediate: boolean;
  /** The exit code the process should end with when it exits early (130 or 143), or null. */
  readonly exitCode: number | null;
  /** Remove the handlers (the command is done). */
  dispose(): void;
}

export function installInterrupter(stderr: NodeJS.WritableStream = process.stderr): Interrupter {
  const soft = new AbortController();
  const hard = new AbortController();
  let count = 0;
  let last: Interruption | null = null;
  const on = (sig: StopSignal) => (): void => {
    count++;
    if (count >= 3 || (hard.signal.aborted && sig === 'SIGTERM' && count >= 2)) {
      // Reports are being written and another signal came: the user means it.
      dieBy(last?.exitCode === 143 ? 'SIGTERM' : 'SIGINT');
    }
    if (sig === 'SIGINT' && !soft.signal.aborted) {
      last = new Interruption('SIGINT', false);
      soft.abort(last);
      stderr.write('\ntrt-parity: interrupted; finishing the current input (Ctrl-C again to stop now)\n');
      return;
    }
    last = new Interruption(sig, true);
    if (!soft.signal.aborted) soft.abort(last);
    if (!hard.signal.aborted) hard.abort(last);
    stderr.write(`\ntrt-parity: ${sig === 'SIGTERM' ? 'terminated' : 'interrupted again'}; stopping now and writing the reports of what is done\n`);
  };
  const onInt = on('SIGINT');
  const onTerm = on('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  return {
    signal: soft.signal,
    stopNow: hard.signal,
    get immediate() { return hard.signal.aborted; },
    get exitCode() { return last?.exitCode ?? null; },
    dispose() {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
    },
  };
}

/**
 * After "stop now", work abandoned in flight (an inference on another thread) may keep the event
 * loop alive: once the reports are written, leave without waiting for it.
 */
export function exitSoonIfStopped(interrupter: Interrupter): void {
  if (!interrupter.immediate) return;
  // unref'd: if nothing else keeps the process alive it ends by itself with process.exitCode.
  setTimeout(() => dieBy(interrupter.exitCode === 143 ? 'SIGTERM' : 'SIGINT'), 200).unref();
}

/**
 * Ends the process by the signal itself, as a program that does not catch it would end. Not
 * process.exit(): that tears down the worker thread still inside ONNX Runtime's session.run, whose
 * N-API binding then aborts the whole process ("terminate called after throwing an instance of
 * 'Napi::Error'", exit 134, seen in CI). Dying by the signal stops every thread at once, the reports are
 * already written (synchronously), and the parent learns what happened: a shell or CI runner reports
 * 128 + 15 = 143 for SIGTERM and 130 for SIGINT, the codes this command promises.
 */
function dieBy(sig: 'SIGINT' | 'SIGTERM'): void {
  process.removeAllListeners(sig);
  process.kill(process.pid, sig);
}
