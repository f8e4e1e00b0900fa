/**
 * Data for `trt-parity inspect model.engine`: what the engine holds and whether it suits this GPU.
 * Returns data only; rendering is src/report's job. When TensorRT is unusable here, the report
 * still carries what the plan bytes tell (the TensorRT version that built it) and why the rest is
 * missing.
 */
import type { EngineReport, EngineTensorReport } from '../../report/model/inspect.js';
import { majorOf } from './availability.js';
import { classifyEngineError } from './classify-engine-error.js';
import type { TensorRtError } from './tensorrt-error.js';
import { dtypeFromNative } from './dtypes.js';
import { checkTensorRtAvailability } from './load-addon.js';
import type { NativeDeviceInfo, NativeEngine, NativeTensorDesc } from './native-contract.js';
import { readPlanFileInfo, threePartVersion } from './plan-file.js';
import { checkEngineFile, freshRuntime, readEngineFile, refuseTensorRt7, resolvePlugins, validateTensorRtOptions, type TensorRtLogLevel } from './tensorrt-backend.js';

// The report's shape is the report model's (report/ imports nothing from backends/).
export type { EngineReport, EngineSuitability, EngineTensorReport } from '../../report/model/inspect.js';

export interface DescribeEngineOptions {
  /** GPU to try the engine on. Defaults to 0. */
  readonly device?: number;
  readonly allowHostCode?: boolean;
  readonly plugins?: readonly string[];
  readonly logLevel?: TensorRtLogLevel;
  /** --trt-lib: the TensorRT library (or its folder) to load instead of the one the search finds. */
  readonly trtLib?: string;
}

function tensorReport(t: NativeTensorDesc): EngineTensorReport {
  return {
    name: t.name,
    mode: t.mode,
    dtype: t.dtype,
    supported: dtypeFromNative(t.dtype) !== null,
    shape: t.shape.map((d) => (d < 0 ? null : d)),
    location: t.location,
    format: t.format,
    formatDesc: t.formatDesc,
    isShapeTensor: t.isShapeTensor,
    profiles: t.profiles,
  };
}

function portability(level: string, device: NativeDeviceInfo | null): string {
  switch (level) {
    case 'ampere+': return 'built hardware-compatible: runs on any Ampere or newer GPU (compute capability 8.0+)';
    case 'same-compute-capability': return `built hardware-compatible: runs on GPUs of the same compute capability${device ? ` (${device.computeCapability})` : ''}`;
    case 'none': return 'built for one GPU model: expect it to fail or slow down on other GPU models';
    default: return `hardware compatibility: ${level}`;
  }
}

/**
 * Describes an engine file.
 * @throws UsageError for bad options; InputError when the file is missing, unreadable or empty.
 * Everything TensorRT-related that goes wrong is reported in `problem`, not thrown.
 */
export async function describeEngine(path: string, options: DescribeEngineOptions = {}): Promise<EngineReport> {
  validateTensorRtOptions(options);
  const { device = 0, allowHostCode = false, plugins = [], logLevel = 'warning' } = options;
  const fileBytes = await checkEngineFile(path);
  // Before any TensorRT call: a file that is no plan is an input error (exit 2), TensorRT or not.
  const planFile = await readPlanFileInfo(path);
  const planVersion = planFile.version;
  const av = checkTensorRtAvailability({ device, planVersion, ...(options.trtLib ? { trtLib: options.trtLib } : {}) });
  const empty = { path, fileBytes, planVersion, planFormat: planFile.format, planOffset: planFile.planOffset, planBytes: planFile.planBytes, ultralytics: planFile.ultralytics, loaded: false, tensors: null, numProfiles: null, deviceMemoryBytes: null, hardwareCompatibility: null, logs: [] as readonly string[] };

  if (!av.available) {
    const { reason, message, hints, detail } = av;
    return {
      ...empty,
      tensorrtVersion: null,
      device: null,
      suitability: { verdict: 'unknown', reason: `cannot try it here: ${message}` },
      problem: { reason, message, hints, detail },
      notes: planVersion === null ? [] : [`the plan header says it was built by TensorRT ${planVersion}; an engine runs only with that TensorRT version unless built version-compatible`],
    };
  }

  const runtime0 = av.runtime;
  try {
    refuseTensorRt7(path, planFile);
  } catch (err) {
    const problem = (err as TensorRtError).problem;
    return { ...empty, tensorrtVersion: runtime0.tensorrt.libraryVersion, device: runtime0.devices.find((d) => d.index === device) ?? null, suitability: { verdict: 'unsuitable', reason: problem.message }, problem, notes: [] };
  }
  const bytes = await readEngineFile(path);
  const plan = planFile.planOffset === 0 ? bytes : bytes.subarray(planFile.planOffset);
  const pluginPaths = await resolvePlugins(plugins);
  const runtime = av.runtime;
  const gpu = runtime.devices.find((d) => d.index === device) ?? null;
  const library = runtime.tensorrt.libraryVersion;
  let engine: NativeEngine;
  try {
    engine = await av.addon.loadEngine(plan, { device, allowHostCode, plugins: pluginPaths, logLevel });
  } catch (err) {
    const later = freshRuntime(av.addon, runtime);
    const { problem, logs } = classifyEngineError(err, { enginePath: path, phase: 'load', planVersion, runtime: later, device, allowHostCode });
    const verdict = problem.reason === 'engine-incompatible' ? 'unsuitable' : 'unknown';
    return { ...empty, tensorrtVersion: later.tensorrt.libraryVersion ?? library, device: gpu, suitability: { verdict, reason: problem.message }, problem, notes: [], logs };
  }
  try {
    const info = engine.info();
    const notes: string[] = [];
    const after = freshRuntime(av.addon, runtime).tensorrt.libraryVersion ?? library;
    if (planVersion !== null && after !== null && threePartVersion(planVersion) !== after) {
      notes.push(`the plan header says TensorRT ${planVersion} built it and TensorRT ${after} loaded it${majorOf(planVersion) !== majorOf(after) ? ' (a version-compatible plan)' : ''}`);
    }
    const unsupported = info.tensors.filter((t) => dtypeFromNative(t.dtype) === null);
    if (unsupported.length > 0) notes.push(`trt-parity cannot run it: ${unsupported.map((t) => `'${t.name}' is ${t.dtype}`).join(', ')}`);
    const where = gpu ? `GPU ${gpu.index} (${gpu.name}, compute ${gpu.computeCapability})` : `GPU ${device}`;
    return {
      ...empty,
      loaded: true,
      tensorrtVersion: after,
      device: gpu,
      tensors: info.tensors.map(tensorReport),
      numProfiles: info.numProfiles,
      deviceMemoryBytes: info.deviceMemoryBytes,
      hardwareCompatibility: info.hardwareCompatibility,
      suitability: { verdict: 'suitable', reason: `loads on ${where}; ${portability(info.hardwareCompatibility, gpu)}` },
      problem: null,
      notes,
      logs: info.logs,
    };
  } finally {
    await engine.dispose();
  }
}
