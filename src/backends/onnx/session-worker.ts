/**
 * The worker thread that owns one ONNX Runtime session.
 *
 * Why a worker: onnxruntime-node's run() executes synchronously on the calling thread (inside a
 * setImmediate), so on the main thread a 100 ms inference freezes timers, progress output and
 * signal handling for 100 ms. Here it only blocks this thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';
import type { FromWorker, ToWorker, WireInfo, WireTensor, WorkerInit } from './worker-protocol.js';
import { transferList } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('session-worker.js must run as a worker thread');
const init = workerData as WorkerInit;

const post = (msg: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

// ORT prints its own copy of every failure to stderr in colour; we report the message ourselves.
ort.env.logLevel = 'fatal';

function infoOf(meta: readonly ort.InferenceSession.ValueMetadata[]): WireInfo[] {
  return meta.map((m) => ({
    name: m.name,
    isTensor: m.isTensor,
    type: m.isTensor ? m.type : 'non-tensor',
    shape: m.isTensor ? m.shape : [],
  }));
}

async function main(): Promise<void> {
  let session: ort.InferenceSession;
  const t0 = performance.now();
  try {
    session = await ort.InferenceSession.create(init.modelPath, {
      executionProviders: [...init.options.executionProviders],
      ...(init.options.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: init.options.intraOpNumThreads }),
      ...(init.options.graphOptimizationLevel === undefined ? {} : { graphOptimizationLevel: init.options.graphOptimizationLevel }),
      ...(init.options.allowSpinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
    });
  } catch (err) {
    post({ type: 'load-error', message: messageOf(err) });
    port!.close();
    return;
  }
  post({ type: 'ready', inputs: infoOf(session.inputMetadata), outputs: infoOf(session.outputMetadata), loadMs: performance.now() - t0 });

  port!.on('message', (msg: ToWorker) => {
    if (msg.type === 'release') {
      void session.release().finally(() => {
        post({ type: 'released' });
        port!.close();
      });
      return;
    }
    void run(session, msg.id, msg.feeds);
  });
}

async function run(session: ort.InferenceSession, id: number, feeds: readonly WireTensor[]): Promise<void> {
  try {
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const f of feeds) ortFeeds[f.name] = new ort.Tensor(f.dtype as 'float32', f.data as Float32Array, f.dims);
    const t0 = performance.now();
    const result = await session.run(ortFeeds);
    const runMs = performance.now() - t0;
    const outputs: WireTensor[] = session.outputNames.map((name) => {
      const t = result[name]!;
      return { name, dtype: t.type, dims: t.dims, data: t.data as WireTensor['data'] };
    });
    // ORT's output buffers are external memory owned by each OrtValue; transferring moves them
    // to the main thread without a copy.
    post({ type: 'result', id, outputs, runMs }, transferList(outputs.map((o) => o.data)));
  } catch (err) {
    post({ type: 'run-error', id, message: messageOf(err) });
  }
}

void main();
