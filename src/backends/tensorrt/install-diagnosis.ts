/**
 * The install half of `doctor`'s TensorRT part: which addon is used (prebuilt, built from source,
 * none) and why, where TensorRT was looked for and what was found, which library is chosen, and for
 * `doctor model.engine` whether that engine can run here and the one command that fixes it.
 * diagnose.ts merges this into the report; the data comes from library-discovery.ts.
 */
import { basename } from 'node:path';
import type { DoctorEngineSection, TensorRtInstallSection } from '../../report/model/doctor.js';
import type { Problem } from '../../report/model/inspect.js';
import type { AddonResolution } from './library-discovery.js';
import { pipInstallCommand, threePart } from './library-discovery.js';

/** Addon source and library search, as the report carries them. */
export function installSection(r: AddonResolution): TensorRtInstallSection {
  const chosen = r.library.selected;
  return {
    addon: {
      source: r.source,
      sourceWhy: r.why,
      prebuild: r.prebuild && r.manifest
        ? { file: r.prebuild.file, tensorrtHeaderVersion: r.prebuild.tensorrtHeaderVersion, cudaVersion: r.manifest.cudaVersion, abiVersion: r.manifest.abiVersion, builtAt: r.manifest.builtAt }
        : null,
    },
    library: {
      path: chosen?.path ?? null,
      kind: chosen?.kind ?? null,
      version: chosen?.version ?? null,
      versionFrom: chosen?.versionFrom ?? null,
      why: r.library.why,
      note: r.library.note,
      fix: r.library.fix,
    },
    candidates: r.discovery.candidates,
    search: r.discovery.steps,
  };
}

/** What `doctor model.engine` learnt about the engine file before asking TensorRT. */
export interface EngineFacts {
  readonly path: string;
  /** The plan header's version ("10.16.0.72"); null when it names none (TensorRT 7). */
  readonly planVersion: string | null;
  /** Why the file is not a plan (InputError text); null when it is one. */
  readonly unreadable: string | null;
}

/** The outcome of actually deserializing the engine here, when TensorRT was usable. */
export interface EngineTrial {
  readonly loaded: boolean;
  readonly problem: Problem | null;
  /** Version of the library that loaded (or refused) it. */
  readonly libraryVersion: string | null;
}

/**
 * Can this engine run here, and if not, the one command that fixes it. The first blocker decides:
 * the file, then a library of the plan's TensorRT major, then the addon / driver / GPU, then the
 * library's version against the plan's, then TensorRT's own verdict on the plan.
 * @param problems The doctor's problems (most fundamental first), for the addon / driver / GPU step.
 * @param trial Null when the engine could not be tried (TensorRT unusable here).
 * @param cudaMajor CUDA major of the addon, for the pip package name.
 */
export function engineVerdict(facts: EngineFacts, install: TensorRtInstallSection, problems: readonly Problem[], trial: EngineTrial | null, cudaMajor = 13): DoctorEngineSection {
  const base = { path: facts.path, isPlan: facts.unreadable === null, planVersion: facts.planVersion, library: install.library.path };
  const name = basename(facts.path);
  if (facts.unreadable !== null) {
    return { ...base, canRun: false, verdict: `${name} cannot run anywhere: ${facts.unreadable}`, fix: 'export the engine again (e.g. trtexec --onnx=model.onnx --saveEngine=model.engine)' };
  }
  const built = facts.planVersion ? `built by TensorRT ${threePart(facts.planVersion)}` : 'of an unknown TensorRT version';
  if (install.library.path === null) {
    return { ...base, canRun: false, verdict: `${name} (${built}) cannot run here: ${install.library.why}`, fix: install.library.fix };
  }
  if (trial?.loaded) {
    return { ...base, canRun: true, verdict: `${name} (${built}) loads here with ${basename(install.library.path)}${trial.libraryVersion ? ` ${trial.libraryVersion}` : ''}`, fix: null };
  }
  if (trial === null) {
    const blocker = problems[0];
    if (blocker === undefined) return { ...base, canRun: false, verdict: `${name} (${built}): TensorRT could not be tried here`, fix: null };
    return { ...base, canRun: false, verdict: `${name} (${built}) cannot run here: ${blocker.message}`, fix: blocker.hints[0] ?? null };
  }
  if (trial.problem !== null) {
    const libVersion = trial.libraryVersion ?? install.library.version;
    const wrongVersion = facts.planVersion !== null && libVersion !== null && threePart(libVersion) !== threePart(facts.planVersion);
    if (wrongVersion && /incompatible|version/i.test(`${trial.problem.reason} ${trial.problem.message}`)) {
      const pip = pipInstallCommand(Number(facts.planVersion!.split('.')[0]), facts.planVersion, cudaMajor);
      return { ...base, canRun: false, verdict: `${name} (${built}) cannot run with TensorRT ${libVersion}: ${trial.problem.message}`, fix: pip };
    }
    return { ...base, canRun: false, verdict: `${name} (${built}) cannot run here: ${trial.problem.message}`, fix: trial.problem.hints[0] ?? null };
  }
  return { ...base, canRun: false, verdict: `${name} (${built}) did not load, and TensorRT gave no reason`, fix: null };
}
