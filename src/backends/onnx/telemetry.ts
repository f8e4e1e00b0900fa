/**
 * ONNX Runtime's own telemetry: off unless the user chose. onnxruntime 1.30 on Linux records every
 * session in a SQLite database under ~/.cache/Microsoft/DeveloperTools/.onnxruntime (opened at start,
 * fsynced twice when the process ends) and tries to upload it over HTTPS. For a check that runs in CI
 * and in shell loops that is a write into a home or shared cache folder on every run, a network
 * attempt, and 10-30 ms of a one-image compare's exit. ONNX Runtime reads ORT_DISABLE_TELEMETRY from
 * the process environment when it starts, so it is set here, on the main thread (a worker's
 * `process.env` is its own copy), before any thread or child loads onnxruntime-node. A value the user
 * set, whatever it is, is left alone; README.md says so. ONNX Runtime skips telemetry by itself when
 * it sees a well-known CI variable (CI, GITHUB_ACTIONS, ...); workstations and self-hosted runners
 * that set none are why this is still needed.
 */
export const ORT_TELEMETRY_VARIABLE = 'ORT_DISABLE_TELEMETRY';

export function disableOrtTelemetryUnlessSet(env: NodeJS.ProcessEnv = process.env): void {
  if (env[ORT_TELEMETRY_VARIABLE] === undefined) env[ORT_TELEMETRY_VARIABLE] = '1';
}
