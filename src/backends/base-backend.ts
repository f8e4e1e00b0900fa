/**
 * What every backend does the same way, written once (Polygraphy's BaseRunner template method):
 * refuse use after dispose, check the feeds against the model's inputs before backend code runs,
 * and time each run from JavaScript, so that `wallMs` means the same thing for every backend.
 * A backend implements `runImpl` and `disposeImpl`; it reports its own compute time, if it has one,
 * in `computeMs`.
 */
import { performance } from 'node:perf_hooks';
import { BackendError, InputError } from '../errors.js';
import { formatShape } from '../tensor/shape.js';
import type { TensorInfo, TensorMap } from '../tensor/types.js';
import type { Backend, BackendName, RunResult, RunTiming } from './backend.js';

/** A run's outputs and the timing the backend measured itself; `wallMs` is added by BaseBackend. */
export interface MeasuredRun<T extends RunTiming = RunTiming> {
  readonly outputs: TensorMap;
  readonly timing: Omit<T, 'wallMs'>;
}

export abstract class BaseBackend implements Backend {
  abstract readonly name: BackendName;
  abstract readonly source: string;
  abstract readonly inputs: readonly TensorInfo[] | null;
  abstract readonly outputs: readonly TensorInfo[];
  #disposal: Promise<void> | undefined;

  /** True once `dispose` was called (even while it is still finishing). */
  get disposed(): boolean {
    return this.#disposal !== undefined;
  }

  run(feeds: TensorMap, key: string): Promise<RunResult> {
    return this.timed(() => {
      this.checkInputs(feeds, key);
      return this.runImpl(feeds, key);
    });
  }

  /** Frees the backend once; later calls return the same promise, later runs reject. */
  dispose(): Promise<void> {
    this.#disposal ??= this.disposeImpl();
    return this.#disposal;
  }

  protected abstract runImpl(feeds: TensorMap, key: string): Promise<MeasuredRun>;
  protected abstract disposeImpl(): Promise<void>;

  /**
   * Runs `work` if the backend is still usable and adds the JavaScript wall time of the whole call.
   * Every public entry point that infers (`run`, a stager's `runStaged`) goes through here.
   */
  protected async timed<T extends RunTiming>(work: () => Promise<MeasuredRun<T>>): Promise<{ readonly outputs: TensorMap; readonly timing: T }> {
    this.assertUsable();
    const t0 = performance.now();
    const result = await work();
    return { outputs: result.outputs, timing: { ...result.timing, wallMs: performance.now() - t0 } as T };
  }

  /** @throws the backend's "already disposed" error after `dispose`. */
  protected assertUsable(): void {
    if (this.#disposal !== undefined) throw this.disposedError();
  }

  protected disposedError(): Error {
    return new BackendError(this.name, 'disposed', `${this.source}: the ${this.name} backend was already disposed`);
  }

  /**
   * Checks `feeds` against the declared inputs: every feed is an input, every input is fed, ranks and
   * static dims agree. Dtypes are left to the backend (some convert losslessly). A backend with a
   * stricter check of its own (TensorRT's profiles) may override this; a replay without input
   * metadata checks nothing here.
   * @throws InputError naming the input key, what the model wants and what it was given.
   */
  protected checkInputs(feeds: TensorMap, key: string): void {
    const inputs = this.inputs;
    if (inputs === null) return;
    checkFeeds(feeds, inputs, this.source, key);
  }
}

/** The check BaseBackend makes. */
function checkFeeds(feeds: TensorMap, inputs: readonly TensorInfo[], source: string, key: string): void {
  const names = inputs.map((t) => t.name);
  for (const name of feeds.keys()) {
    if (!names.includes(name)) throw new InputError(key, `'${name}' is not an input of ${source} (inputs: ${names.join(', ')})`);
  }
  for (const info of inputs) {
    const t = feeds.get(info.name);
    if (t === undefined) throw new InputError(key, `${source} needs input '${info.name}' ${formatShape(info.shape)}, which was not given (given: ${[...feeds.keys()].join(', ') || 'none'})`);
    const badDim = info.shape.findIndex((d, i) => typeof d === 'number' && t.shape[i] !== d);
    if (t.shape.length !== info.shape.length || badDim >= 0) {
      throw new InputError(key, `input '${info.name}' has shape ${formatShape(t.shape)}, but ${source} wants ${formatShape(info.shape)}`);
    }
  }
}
