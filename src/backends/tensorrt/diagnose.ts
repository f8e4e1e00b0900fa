/**
 * The TensorRT part of `trt-parity doctor`: the addon (prebuilt, built, none), where TensorRT was
 * looked for and which library is used, CUDA, the GPUs and libnvinfer, what was found, and for each
 * thing that is wrong, the fix; with an engine, whether that engine can run here. Returns data only
 * (the report model's TensorRT sections); src/app/doctor.ts assembles the whole report.
 */
import type { DoctorEngineSection, TensorRtLibrarySection, TensorRtSections } from '../../report/model/doctor.js';
import type { TensorRtProblem } from './availability.js';
import { classifyCuda, classifyLibrary, classifyRuntimeInfo, formatCudaVersion } from './classify-availability.js';
import { describeEngine } from './engine-info.js';
import { engineVerdict, type EngineFacts, type EngineTrial, installSection } from './install-diagnosis.js';
import { addonResolution, checkTensorRtAvailability, loadAddon, type LoadAddonOptions, packageRoot, probedRuntimeInfo, readNativeStatus } from './load-addon.js';
import type { NativeRuntimeInfo } from './native-contract.js';
import { NATIVE_ABI_VERSION } from './native-contract.js';
import { readPlanFileInfo } from './plan-file.js';

export interface DiagnoseOptions extends LoadAddonOptions {
  /** The GPU `tensorrtUsable` is judged for. Defaults to 0. */
  readonly device?: number;
  /** `doctor model.engine`: the engine to judge. */
  readonly engine?: string;
}

/** What the plan header says, read before the addon so that the library of the plan's major is chosen. */
async function engineFacts(path: string): Promise<EngineFacts> {
  try {
    const plan = await readPlanFileInfo(path);
    return { path, planVersion: plan.version, unreadable: null };
  } catch (err) {
    return { path, planVersion: null, unreadable: err instanceof Error ? err.message : String(err) };
  }
}

function trtSection(install: ReturnType<typeof installSection>, trt: NativeRuntimeInfo['tensorrt'] | null): TensorRtLibrarySection {
  // The version the loaded library reports beats the one read from its file name or pip metadata.
  const loadedIt = trt?.libraryVersion != null && (install.library.path === null || trt.libraryName === install.library.path);
  return {
    builtIn: trt?.builtIn ?? null,
    headerVersion: trt?.headerVersion ?? null,
    libraryName: trt?.libraryName ?? null,
    libraryVersion: trt?.libraryVersion ?? null,
    libraryError: trt?.libraryError ?? null,
    library: loadedIt ? { ...install.library, path: install.library.path ?? trt!.libraryName, version: trt!.libraryVersion, versionFrom: 'getInferLibVersion() of the loaded library' } : install.library,
    candidates: install.candidates,
    search: install.search,
  };
}

/**
 * Checks TensorRT's side of this machine. Never throws for a missing or broken dependency: each one
 * shows as a classified problem with its fix.
 */
export async function diagnoseTensorRt(options: DiagnoseOptions = {}): Promise<TensorRtSections> {
  const device = options.device ?? 0;
  const facts = options.engine ? await engineFacts(options.engine) : null;
  const loadOptions: LoadAddonOptions = { ...options, planVersion: facts?.planVersion ?? options.planVersion ?? null };
  const install = installSection(addonResolution(loadOptions));
  const cudaMajor = Number(install.addon.prebuild?.cudaVersion.split('.')[0]) || 13;
  const build = readNativeStatus(options.root ?? packageRoot()).status;
  const load = loadAddon(loadOptions);
  const problems: TensorRtProblem[] = [];
  const addonBase = { expectedAbiVersion: NATIVE_ABI_VERSION, build, ...install.addon };
  const verdict = (trial: EngineTrial | null): DoctorEngineSection | null => (facts ? engineVerdict(facts, install, problems, trial, cudaMajor) : null);
  if (!load.ok) {
    problems.push(load.problem);
    if (install.library.path === null && install.library.fix !== null) problems.push(libraryNotFound(install.library.why, install.library.fix));
    return {
      addon: { ...addonBase, path: load.path, loaded: false, problem: load.problem },
      cuda: null, gpus: null, tensorrt: trtSection(install, null), engine: verdict(null),
      tensorrtUsable: { device, usable: false, reason: load.problem.reason },
      problems,
    };
  }
  // Loads libnvinfer (on the addon's worker thread) so that a missing or wrong library shows now.
  const info = await probedRuntimeInfo(load.addon);
  const av = checkTensorRtAvailability({ ...loadOptions, device });
  if ('error' in info) {
    const problem = av.available ? null : { reason: av.reason, message: av.message, hints: av.hints, detail: av.detail };
    if (problem) problems.push(problem);
    return {
      addon: { ...addonBase, path: load.path, loaded: true, problem },
      cuda: null, gpus: null, tensorrt: trtSection(install, null), engine: verdict(null),
      tensorrtUsable: { device, usable: false, reason: problem?.reason ?? 'addon-load-failed' },
      problems,
    };
  }
  // Problems independent of the device asked for come first; the device one only when it differs.
  const visible = (options.env ?? process.env)['CUDA_VISIBLE_DEVICES'];
  const general = classifyRuntimeInfo(info, { device: info.devices[0]?.index ?? device, status: build, cudaVisibleDevices: visible });
  if (general !== null) problems.push(general);
  // classifyRuntimeInfo stops at the first blocker; doctor also lists the CUDA and libnvinfer
  // problems behind it, so that one run shows every fix.
  const cuda = classifyCuda(info, info.devices[0]?.index ?? device, visible);
  const library = info.tensorrt.builtIn ? classifyLibrary(info.tensorrt) : null;
  for (const p of [cuda, library]) if (p !== null && !problems.some((q) => q.reason === p.reason)) problems.push(p);
  if (!av.available && !problems.some((p) => p.reason === av.reason)) problems.push({ reason: av.reason, message: av.message, hints: av.hints, detail: av.detail });
  // The addon could not open a library and the search found none: the search's pip command is the first fix.
  if (info.tensorrt.builtIn && info.tensorrt.libraryVersion === null && install.library.path === null && install.library.fix !== null) {
    const fix = install.library.fix;
    const at = problems.findIndex((p) => p.reason === 'libnvinfer-missing');
    if (at >= 0) problems[at] = { ...problems[at]!, hints: [fix, ...problems[at]!.hints.filter((h) => h !== fix)] };
    else problems.push(libraryNotFound(install.library.why, fix));
  }
  let trial: EngineTrial | null = null;
  if (facts !== null && facts.unreadable === null && av.available) {
    const r = await describeEngine(facts.path, { device });
    trial = { loaded: r.loaded, problem: r.problem, libraryVersion: r.tensorrtVersion };
  }
  return {
    addon: { ...addonBase, path: load.path, loaded: true, problem: null },
    cuda: { driverVersion: formatCudaVersion(info.cudaDriverVersion), runtimeVersion: formatCudaVersion(info.cudaRuntimeVersion), error: info.cudaError },
    gpus: info.devices,
    tensorrt: trtSection(install, info.tensorrt),
    engine: verdict(trial),
    tensorrtUsable: { device, usable: av.available, reason: av.available ? null : av.reason },
    problems,
  };
}

function libraryNotFound(why: string, fix: string): TensorRtProblem {
  return { reason: 'libnvinfer-missing', message: `TensorRT: ${why}`, hints: [fix], detail: [] };
}

