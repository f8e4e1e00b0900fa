/**
 * The reports of `trt-parity inspect` (JSON: `inspect --json`): one for an ONNX model, one for a
 * TensorRT engine. The backends produce these shapes (they import them from here); the renderers read
 * them. Each report carries `schema` and `schemaVersion`, so a reader can tell which one it holds.
 */
import type { UltralyticsMetadata } from '../../tasks/ultralytics-metadata.js';
import type { Dim, TensorInfo } from '../../tensor/types.js';
import type { ToolInfo } from './common.js';

/** Version of both inspect JSON reports. Bump on any incompatible change; additions keep it. */
export const INSPECT_SCHEMA_VERSION = 1;

/** The schema fields every report carries. */
export interface ReportHeader<S extends string> {
  readonly schema: S;
  readonly schemaVersion: number;
  readonly tool: ToolInfo;
}

export interface OnnxIoInfo extends TensorInfo {
  /** False when the model declares no shape at all (rank unknown); `shape` is then empty. */
  readonly rankKnown: boolean;
  /** "tensor", or the kind of a non-tensor value ("sequence", "map", "optional", "sparse_tensor"). */
  readonly kind: string;
}

export interface OpsetImport {
  /** "" is the default ONNX domain (reported by ONNX as "ai.onnx"). */
  readonly domain: string;
  readonly version: number;
}

/** What an ONNX file's ModelProto says. */
export interface OnnxModelInfo {
  readonly path: string;
  readonly fileBytes: number;
  readonly irVersion: number;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly domain: string;
  readonly modelVersion: number;
  readonly docString: string;
  readonly graphName: string;
  readonly opsets: readonly OpsetImport[];
  readonly inputs: readonly OnnxIoInfo[];
  readonly outputs: readonly OnnxIoInfo[];
  readonly nodeCount: number;
  readonly initializerCount: number;
  /** The model's metadata_props, key → value, as written. */
  readonly metadata: ReadonlyMap<string, string>;
  /** task, names, imgsz, stride parsed from `metadata` when an Ultralytics exporter wrote them. */
  readonly ultralytics?: UltralyticsMetadata;
}

export type OnnxInspectReport = ReportHeader<'trt-parity/inspect-onnx'> & OnnxModelInfo;

/** One classified problem, ready to print: a one-line message, then what to do. */
export interface Problem {
  /** Machine-readable class, e.g. "no-gpu", "engine-incompatible". */
  readonly reason: string;
  /** One line, no trailing period. */
  readonly message: string;
  /** Things the user can do, most likely fix first. */
  readonly hints: readonly string[];
  /** Raw text from the layer that failed (dlopen text, CUDA error, log lines), for --verbose. */
  readonly detail: readonly string[];
}

export interface DeviceInfo {
  readonly index: number;
  readonly name: string;
  /** e.g. "9.0" */
  readonly computeCapability: string;
  readonly totalMemoryBytes: number;
  /** PCI bus id, e.g. "0000:18:00.0", to tell identical cards apart. */
  readonly pciBusId: string;
}

export interface ProfileShapes {
  readonly min: readonly number[];
  readonly opt: readonly number[];
  readonly max: readonly number[];
  /** For host shape-tensor inputs: the min/opt/max *values*; absent otherwise. */
  readonly values?: { readonly min: readonly number[]; readonly opt: readonly number[]; readonly max: readonly number[] };
}

export interface EngineTensorReport {
  readonly name: string;
  readonly mode: 'input' | 'output';
  /** TensorRT's type name ("float16", "fp8", ...). */
  readonly dtype: string;
  /** False for types trt-parity cannot run (fp8, int4, fp4, e8m0). */
  readonly supported: boolean;
  /** Engine shape; null for dynamic dims. */
  readonly shape: readonly Dim[];
  readonly location: 'device' | 'host';
  readonly format: string;
  readonly formatDesc: string;
  readonly isShapeTensor: boolean;
  /** min/opt/max per optimization profile (inputs only), with shape-tensor values when present. */
  readonly profiles: readonly ProfileShapes[];
}

export interface EngineSuitability {
  /** "unknown" when the engine could not be tried here (no TensorRT, host code not allowed, ...). */
  readonly verdict: 'suitable' | 'unsuitable' | 'unknown';
  /** One line saying why. */
  readonly reason: string;
}

/** The Ultralytics export metadata in front of an engine's plan, as far as trt-parity uses it; `raw` holds the whole JSON object. */
export interface EngineExportMetadata {
  /** "detect" | "segment" | "classify" | "pose" | "obb" ...; null when absent. */
  readonly task: string | null;
  /** [height, width]; null when absent or not two positive integers. */
  readonly imgsz: readonly [number, number] | null;
  readonly stride: number | null;
  readonly batch: number | null;
  /** Class names by index (the JSON's `names` object, keys "0".."n-1"); null when absent. */
  readonly classNames: readonly string[] | null;
  /** The Ultralytics version that exported the file; null when absent. */
  readonly version: string | null;
  /** Export arguments (`half`, `int8`, `dynamic`, `nms`, ...), as written. */
  readonly exportArgs: Readonly<Record<string, unknown>>;
  readonly raw: Readonly<Record<string, unknown>>;
}

/** What an engine file holds and whether it suits this GPU. */
export interface EngineReport {
  readonly path: string;
  readonly fileBytes: number;
  /** TensorRT version that built the plan, "10.0.1.6", from its header (undocumented); null for a TensorRT 7 plan. */
  readonly planVersion: string | null;
  /** "ftrt" (TensorRT 8+) or "ptrt" (TensorRT 7). */
  readonly planFormat: 'ftrt' | 'ptrt';
  /** Where the plan starts in the file (after an Ultralytics header), and its size. */
  readonly planOffset: number;
  readonly planBytes: number;
  /** The Ultralytics export metadata wrapped around the plan; null for a bare plan. */
  readonly ultralytics: EngineExportMetadata | null;
  /** True when TensorRT deserialized the engine here, so the fields below are filled. */
  readonly loaded: boolean;
  /** The TensorRT library that loaded (or would load) it; null when TensorRT is unavailable. */
  readonly tensorrtVersion: string | null;
  /** The GPU it was tried on; null when none could be used. */
  readonly device: DeviceInfo | null;
  readonly tensors: readonly EngineTensorReport[] | null;
  readonly numProfiles: number | null;
  readonly deviceMemoryBytes: number | null;
  /** "none" | "ampere+" | "same-compute-capability" | "unknown"; null when not loaded. */
  readonly hardwareCompatibility: string | null;
  readonly suitability: EngineSuitability;
  /** Why the engine was not loaded (TensorRT unavailable, or the load error); null when loaded. */
  readonly problem: Problem | null;
  /** Observations worth a line each, e.g. a plan built by another TensorRT that still loaded. */
  readonly notes: readonly string[];
  /** TensorRT log lines printed while loading. */
  readonly logs: readonly string[];
}

export type EngineInspectReport = ReportHeader<'trt-parity/inspect-engine'> & EngineReport;

export type InspectReport = OnnxInspectReport | EngineInspectReport;
