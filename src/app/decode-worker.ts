/**
 * A decode-pool worker (decode-pool.ts): decodes, resizes and normalises images with the same
 * loadImageForModel the main thread uses, so a tensor is the same bytes whichever thread made it.
 * The resize kernels of the exact pipelines are JavaScript; here they run beside inference instead
 * of on the main thread that feeds it.
 */
import { performance } from 'node:perf_hooks';
import { parentPort } from 'node:worker_threads';
import { InputError, TrtParityError } from '../errors.js';
import { loadSharp } from '../image/decode.js';
import { loadImageForModel } from './image-input.js';
import type { DecodeReply, DecodeRequest, WireError } from './decode-pool.js';

const port = parentPort;
if (port === null) throw new Error('decode-worker.js must run as a worker thread');

function wireError(err: unknown): WireError {
  if (err instanceof InputError) {
    const prefix = err.file === undefined ? '' : `${err.file}: `;
    const message = err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message;
    return { kind: 'input', file: err.file, message, hints: [...err.hints], reason: err.reason, exitCode: err.exitCode };
  }
  if (err instanceof TrtParityError) return { kind: 'trt-parity', message: err.message, hints: [...err.hints], reason: err.reason, exitCode: err.exitCode };
  return { kind: 'other', message: err instanceof Error ? (err.stack ?? err.message) : String(err), hints: [], reason: 'internal', exitCode: 4 };
}

// Ready once sharp is loaded: until then the pool decodes in-process rather than queue images here.
void loadSharp().then(() => port.postMessage({ id: 0, ready: true } satisfies DecodeReply), () => port.postMessage({ id: 0, ready: true } satisfies DecodeReply));

// This thread's event-loop utilisation since the previous reply: the pool grows only while a decoding thread is saturated.
let mark = performance.eventLoopUtilization();
function busy(): number {
  const since = performance.eventLoopUtilization(mark);
  mark = performance.eventLoopUtilization();
  return since.utilization;
}

port.on('message', (req: DecodeRequest) => {
  void loadImageForModel(req.path, req.input, req.spec).then(
    ({ tensor, preprocess }) => {
      // The tensor is fresh from preprocess(); hand its buffer over instead of copying it (a copy
      // when it is a view of a larger buffer, which could hold other data).
      const d = tensor.data;
      const own = d.byteOffset === 0 && d.byteLength === d.buffer.byteLength ? d : d.slice();
      const reply: DecodeReply = { id: req.id, tensor: { ...tensor, data: own }, preprocess, busy: busy() };
      port.postMessage(reply, own.buffer instanceof ArrayBuffer ? [own.buffer] : []);
    },
    (err: unknown) => port.postMessage({ id: req.id, error: wireError(err), busy: busy() } satisfies DecodeReply),
  );
});
