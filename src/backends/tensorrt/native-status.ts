/**
 * build/native-status.json, written by scripts/build-native.mjs, says why the addon was or was not
 * built. Its shape is provisional, so everything is read defensively: a field that is absent or of
 * the wrong type reads as null ("unknown"), never as a failure.
 */

export interface NativeBuildStatus {
  readonly cuda: { readonly found: boolean | null; readonly version: string | null; readonly reason: string | null };
  readonly cmake: { readonly found: boolean | null; readonly reason: string | null };
  /** `found` means "compiled in": the script records `builtIn`; `found` is accepted as well. */
  readonly tensorrt: { readonly found: boolean | null; readonly headerVersion: string | null; readonly reason: string | null };
  /** Whether the addon file was produced and loads; `error` says why not (a failed compile, a skipped build). */
  readonly addon: { readonly built: boolean | null; readonly error: string | null };
  /** The build was skipped on purpose or for lack of a tool: the script's reason starts with "skipped:". */
  readonly skipped: string | null;
  /** Last lines of the build log, for --verbose. */
  readonly logTail: readonly string[];
}

/** The path of the status file relative to the package root. */
export const NATIVE_STATUS_FILE = 'build/native-status.json';

function record(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
function bool(v: unknown): boolean | null {
  return typeof v === 'boolean' ? v : null;
}
function str(v: unknown): string | null {
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (typeof v === 'number') return String(v);
  return null;
}

/**
 * Reads whatever parsed JSON the build script left; unknown fields are ignored, missing ones are null.
 * Accepts the shape scripts/build-native.mjs writes (schema 1: cmake, cuda, tensorrt.builtIn,
 * build {attempted, ok, reason, logTail}, addon {loads, error}) and the simpler one first proposed
 * (tensorrt.found, addon {built, error}).
 */
export function parseNativeStatus(json: unknown): NativeBuildStatus {
  const root = record(json);
  const cuda = record(root['cuda']);
  const cmake = record(root['cmake']);
  const trt = record(root['tensorrt']);
  const build = record(root['build']);
  const addon = record(root['addon']);
  const buildReason = str(build['reason']);
  const skipped = buildReason !== null && /^skipped:/i.test(buildReason) ? buildReason.replace(/^skipped:\s*/i, '') : null;
  const built = bool(addon['built']) ?? (bool(build['attempted']) === true ? bool(build['ok']) : null) ?? bool(addon['loads']);
  const error = str(addon['error']) ?? (bool(build['ok']) === false && skipped === null ? buildReason : null);
  const tail = Array.isArray(build['logTail']) ? build['logTail'].filter((l): l is string => typeof l === 'string') : [];
  return {
    cuda: { found: bool(cuda['found']), version: str(cuda['version']), reason: str(cuda['reason']) },
    cmake: { found: bool(cmake['found']), reason: str(cmake['reason']) },
    tensorrt: { found: bool(trt['found']) ?? bool(trt['builtIn']), headerVersion: str(trt['headerVersion']), reason: str(trt['reason'])?.replace(/^not built in:\s*/i, '') ?? null },
    addon: { built, error },
    skipped,
    logTail: tail,
  };
}
