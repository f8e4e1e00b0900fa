/**
 * An ONNX Runtime session on a worker thread with *any* session options, for the what-if
 * experiments of pipeline-model.ts. The tool's own worker (src/backends/onnx/session-worker.ts)
 * passes only provider, threads and optimisation level; this one also passes `extra` (session
 * config entries such as session.intra_op.allow_spinning) so that a proposed setting can be
 * measured before anyone changes src/.
 *
 * Protocol: workerData { model, options }; posts 'ready'; then for each { data, dims } it runs
 * the single input and posts { runMs } (outputs are not needed by the experiments).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import * as ort from 'onnxruntime-node';

export interface ExperimentWorkerData {
  readonly model: string;
  readonly inputName: string;
  readonly options: ort.InferenceSession.SessionOptions;
}

const port = parentPort;
if (port !== null) {
  const init = workerData as ExperimentWorkerData;
  const session = await ort.InferenceSession.create(init.model, init.options);
  port.on('message', (msg: { type: 'run'; data: Float32Array; dims: number[] } | { type: 'close' }) => {
    if (msg.type === 'close') {
      void session.release().then(() => port.close());
      return;
    }
    const t0 = performance.now();
    void session.run({ [init.inputName]: new ort.Tensor('float32', msg.data, msg.dims) }).then(() => {
      port.postMessage({ runMs: performance.now() - t0 });
    });
  });
  port.postMessage({ ready: true });
}
