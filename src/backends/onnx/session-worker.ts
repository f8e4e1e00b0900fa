/**
 * The worker thread that owns ONNX Runtime sessions: one worker serves every session the process
 * has open at a time (a compare of two ONNX models starts one worker and imports
 * onnxruntime-node once, not twice). Sessions are told apart by the id the main thread gave them.
 *
 * Why a worker: onnxruntime-node's run() executes synchronously on the calling thread (inside a
 * setImmediate), so on the main thread a 100 ms inference freezes timers, progress output and
 * signal handling for 100 ms. Here it only blocks this thread. Two sessions in one worker run one
 * after the other, which is what compare does anyway (two live backends never run at once, so
 * neither slows the other down).
 */
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import type * as Ort from 'onnxruntime-node';
import { identityModel } from './identity-model.js';
import type { FromWorker, ToWorker, WireInfo, WireTensor, WorkerInit, WorkerSessionOptions } from './worker-protocol.js';
import { transferList } from './worker-protocol.js';

const port = parentPort;
if (port === null) throw new Error('session-worker.js must run as a worker thread');

// require(), not import: onnxruntime-node is CommonJS, and importing it sends it and
// onnxruntime-common through Node 20's ESM loader (CommonJS export detection), which took longer.
// Its load is on the critical path of a one-image compare (issue 14).
const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof Ort;

const post = (msg: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);
const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));

// ORT prints its own copy of every failure to stderr in colour; we report the message ourselves.
ort.env.logLevel = 'fatal';

/** Open sessions by id; a run for an id still loading waits for it (the main thread only sends runs after 'ready'). */
const sessions = new Map<number, Ort.InferenceSession>();

function infoOf(meta: readonly Ort.InferenceSession.ValueMetadata[]): WireInfo[] {
  return meta.map((m) => ({
    name: m.name,
    isTensor: m.isTensor,
    type: m.isTensor ? m.type : 'non-tensor',
    shape: m.isTensor ? m.shape : [],
  }));
}

async function open(sid: number, modelPath: string, options: WorkerSessionOptions): Promise<void> {
  const t0 = performance.now();
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelPath, {
      executionProviders: [...options.executionProviders],
      ...(options.intraOpNumThreads === undefined ? {} : { intraOpNumThreads: options.intraOpNumThreads }),
      ...(options.graphOptimizationLevel === undefined ? {} : { graphOptimizationLevel: options.graphOptimizationLevel }),
      ...(options.allowSpinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
    });
  } catch (err) {
    post({ type: 'load-error', sid, message: messageOf(err) });
    return;
  }
  sessions.set(sid, session);
  post({ type: 'ready', sid, inputs: infoOf(session.inputMetadata), outputs: infoOf(session.outputMetadata), loadMs: performance.now() - t0 });
}

async function run(sid: number, id: number, feeds: readonly WireTensor[]): Promise<void> {
  const session = sessions.get(sid);
  if (session === undefined) {
    post({ type: 'run-error', sid, id, message: `no open session ${sid}` });
    return;
  }
  try {
    const ortFeeds: Record<string, Ort.Tensor> = {};
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
    post({ type: 'result', sid, id, outputs, runMs }, transferList(outputs.map((o) => o.data)));
  } catch (err) {
    post({ type: 'run-error', sid, id, message: messageOf(err) });
  }
}

// A session of a one-node model, created and released at once: ONNX Runtime's own start is paid
// now, while the main thread still prepares the run, not by the first real session. Only in a
// worker started by SessionHost.warm() (compare), so that bench's model load time keeps it. A
// failure here is the real open's to report.
if ((workerData as WorkerInit | undefined)?.warmRuntime) {
  setImmediate(() => {
    ort.InferenceSession.create(identityModel()).then((s) => s.release()).catch(() => {}).finally(() => post({ type: 'started', sid: 0 }));
  });
}

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'open':
      void open(msg.sid, msg.modelPath, msg.options);
      return;
    case 'run':
      void run(msg.sid, msg.id, msg.feeds);
      return;
    case 'release': {
      const session = sessions.get(msg.sid);
      sessions.delete(msg.sid);
      void (session?.release() ?? Promise.resolve()).finally(() => post({ type: 'released', sid: msg.sid }));
      return;
    }
  }
});
