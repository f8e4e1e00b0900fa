/**
 * The report of `trt-parity doctor` (JSON: `doctor --json`): what trt-parity depends on, what was
 * found, and for each thing that is wrong, the fix. Sections are filled by the app (node, sharp) and
 * by each backend that can diagnose itself (see `BackendProvider.diagnose`); a new check is one more
 * optional section here plus the code that fills it.
 */
import type { ReportHeader } from './inspect.js';
import type { DeviceInfo, Problem } from './inspect.js';

/** Version of the doctor JSON. Bump on any incompatible change; additions keep it. */
export const DOCTOR_SCHEMA_VERSION = 1;

export interface NodeSection {
  readonly version: string;
  readonly platform: string;
  readonly arch: string;
  /** N-API version this Node.js offers. */
  readonly napiVersion: string | null;
  /** glibc of this system (Linux); null elsewhere. Addons built on a newer glibc do not load. */
  readonly glibc: string | null;
}

export interface SharpSection {
  readonly version: string | null;
  readonly libvips: string | null;
  readonly error: string | null;
  readonly hints: readonly string[];
}

/** Filled by the ONNX Runtime backend. */
export interface OnnxRuntimeSection {
  readonly version: string | null;
  /** ort.listSupportedBackends(): execution providers this onnxruntime-node build knows. */
  readonly backends: readonly { readonly name: string; readonly bundled: boolean }[] | null;
  readonly error: string | null;
  /** What to do about `error`; empty when none. */
  readonly hints: readonly string[];
  /** Execution providers: compiled in, their libraries, whether they load (src/backends/onnx/providers.ts). */
  readonly providers?: OrtProvidersSection;
}

/** One library an ONNX Runtime provider needs next to libonnxruntime.so.1. */
export interface OrtProviderFile {
  readonly name: string;
  readonly path: string;
  /** Size in bytes; null when absent. */
  readonly bytes: number | null;
}

/** loads: a session on it computed the probe model; fails: ORT refused; crashed/timeout: the probe process died or hung. */
export type OrtProbeOutcome = 'loads' | 'fails' | 'crashed' | 'timeout' | 'not-probed';

export interface OrtProviderStatus {
  readonly name: string;
  /** In the binding's listSupportedBackends(). */
  readonly compiledIn: boolean;
  /** ORT's own word: true when the provider is inside libonnxruntime itself. */
  readonly bundled: boolean | null;
  /** The separate libraries it needs (none for bundled providers). */
  readonly files: readonly OrtProviderFile[];
  readonly load: {
    readonly outcome: OrtProbeOutcome;
    /** One line: why it loads or not (the loader's reason when ORT logged one). */
    readonly detail: string;
    /** Session creation plus one run in the probe, ms; null unless it loaded. */
    readonly ms: number | null;
  };
  /** A library the provider needs that the loader could not find (e.g. libcudnn.so.9); null when none was named. */
  readonly missingLibrary: string | null;
  /** What to do, one command or step per line; empty when it loads or is not ours to fix. */
  readonly fixes: readonly string[];
}

export interface OrtProvidersSection {
  /** The directory holding onnxruntime_binding.node and libonnxruntime.so.1, where provider libraries must be. */
  readonly libDir: string | null;
  readonly libDirFrom: 'onnxruntime-node' | 'TRT_PARITY_ORT_LIB_DIR' | null;
  /** onnxruntime-node's version: the version the provider libraries must match. */
  readonly version: string | null;
  /** LD_LIBRARY_PATH as the probes saw it (where CUDA/cuDNN must be). */
  readonly ldLibraryPath: string | null;
  readonly providers: readonly OrtProviderStatus[];
  /** Why nothing could be checked (binding not found or not loadable); null otherwise. */
  readonly error: string | null;
}

/** What the native build left in build/native-status.json (the fields doctor shows; the JSON has them all). */
export interface NativeBuildSummary {
  readonly cuda: { readonly version: string | null };
  readonly tensorrt: { readonly headerVersion: string | null };
}

export interface AddonSection {
  readonly path: string;
  readonly loaded: boolean;
  /** The ABI version this trt-parity expects. */
  readonly expectedAbiVersion: number;
  /** build/native-status.json as the build left it; null when absent. */
  readonly build: NativeBuildSummary | null;
  readonly problem: Problem | null;
  /** Where the addon comes from: shipped in the package (prebuilds/), built from source (npm run build:native), or none. */
  readonly source: 'prebuilt' | 'built' | 'none';
  /** One line: why this addon (or why none). */
  readonly sourceWhy: string;
  /** The prebuilt addon in use (from prebuilds/<platform>/manifest.json); null unless source is 'prebuilt'. */
  readonly prebuild: { readonly file: string; readonly tensorrtHeaderVersion: string | null; readonly cudaVersion: string; readonly abiVersion: number; readonly builtAt: string } | null;
}

/** A TensorRT runtime library found on this machine. */
export interface TensorRtCandidate {
  readonly path: string;
  /** full runtime, dispatch shim, or lean runtime (version-compatible plans only). */
  readonly kind: 'full' | 'dispatch' | 'lean';
  readonly major: number | null;
  /** Read without loading it (link target or pip metadata); null when neither says. */
  readonly version: string | null;
  readonly versionFrom: string | null;
  /** The search step that found it. */
  readonly step: string;
}

/** One step of the search for TensorRT (--trt-lib, TRT_PARITY_LIBNVINFER, VIRTUAL_ENV, CONDA_PREFIX, python3, TENSORRT_ROOT, LD_LIBRARY_PATH, ldconfig). */
export interface TensorRtSearchStep {
  readonly step: string;
  readonly outcome: 'found' | 'not-found' | 'skipped';
  readonly looked: readonly string[];
  readonly detail: string;
  readonly candidates: readonly TensorRtCandidate[];
}

/** The library chosen among the candidates. */
export interface TensorRtChosenLibrary {
  readonly path: string | null;
  readonly kind: 'full' | 'dispatch' | 'lean' | null;
  /** The loaded library's own version when the addon loaded it, else the one read from the file. */
  readonly version: string | null;
  readonly versionFrom: string | null;
  readonly why: string;
  readonly note: string | null;
  /** The one command that installs what is missing; null when something was chosen. */
  readonly fix: string | null;
}

/** Addon source and library search (library-discovery.ts). */
export interface TensorRtInstallSection {
  readonly addon: Pick<AddonSection, 'source' | 'sourceWhy' | 'prebuild'>;
  readonly library: TensorRtChosenLibrary;
  readonly candidates: readonly TensorRtCandidate[];
  readonly search: readonly TensorRtSearchStep[];
}

export interface TensorRtLibrarySection {
  /** False when the addon was compiled without TensorRT headers; null when no addon loaded. */
  readonly builtIn: boolean | null;
  readonly headerVersion: string | null;
  readonly libraryName: string | null;
  readonly libraryVersion: string | null;
  readonly libraryError: string | null;
  readonly library: TensorRtChosenLibrary;
  /** Every TensorRT library found, in search order. */
  readonly candidates: readonly TensorRtCandidate[];
  /** Every search step, found / not found / skipped, and why. */
  readonly search: readonly TensorRtSearchStep[];
}

/** `doctor model.engine`: can that engine run here, and if not, the one command that fixes it. */
export interface DoctorEngineSection {
  readonly path: string;
  /** False when the file cannot be read or is not a TensorRT plan (then `verdict` says why). */
  readonly isPlan: boolean;
  /** The plan header's TensorRT version; null when it names none. */
  readonly planVersion: string | null;
  /** The library it would be loaded with; null when none fits. */
  readonly library: string | null;
  readonly canRun: boolean;
  readonly verdict: string;
  readonly fix: string | null;
}

/** Filled by the TensorRT backend. */
export interface TensorRtSections {
  readonly addon: AddonSection;
  /** Null when the addon did not load (nothing could ask CUDA). */
  readonly cuda: { readonly driverVersion: string | null; readonly runtimeVersion: string | null; readonly error: string | null } | null;
  /** Null when the addon did not load. */
  readonly gpus: readonly DeviceInfo[] | null;
  /** The library search is always there; builtIn and the library* fields are null when the addon did not load. */
  readonly tensorrt: TensorRtLibrarySection;
  /** `doctor model.engine` only; null otherwise. */
  readonly engine: DoctorEngineSection | null;
  /** Whether `compare` can run a TensorRT engine on GPU `device`, and if not, why (also listed in `problems`). */
  readonly tensorrtUsable: { readonly device: number; readonly usable: boolean; readonly reason: string | null };
  /** Every problem found, each with its fix, most fundamental first. */
  readonly problems: readonly Problem[];
}

export type DoctorReport = ReportHeader<'trt-parity/doctor'> & {
  readonly node: NodeSection;
  readonly sharp: SharpSection;
  readonly onnxruntime: OnnxRuntimeSection;
} & TensorRtSections;

/** What one backend adds to the doctor report. */
export type DoctorSections = Partial<Omit<DoctorReport, 'schema' | 'schemaVersion' | 'tool' | 'node' | 'sharp'>>;
