/**
 * `doctor` as a library function: everything trt-parity depends on here, what was found, and for
 * each thing that is wrong, the fix. Node and sharp are checked here; each backend that can diagnose
 * itself adds its own sections (the registry's `diagnose`).
 */
import { canDiagnose } from '../backends/backend.js';
import { BACKENDS, type BackendOptions } from '../backends/registry.js';
import { DOCTOR_SCHEMA_VERSION, type DoctorReport, type DoctorSections, type NodeSection, type SharpSection } from '../report/model/doctor.js';
import { TOOL_VERSION } from '../version.js';

/**
 * Never throws for a missing or broken dependency: each one shows as an error field or a classified
 * problem with its fix.
 * @param options.device The GPU whose usability for TensorRT is judged. Defaults to 0.
 */
export async function doctor(options: BackendOptions = {}): Promise<DoctorReport> {
  const sections = await Promise.all(BACKENDS.filter((p) => canDiagnose(p)).map((p) => (p as { diagnose(o: BackendOptions): Promise<DoctorSections> }).diagnose(options)));
  const [sharp] = await Promise.all([sharpInfo()]);
  return Object.assign(
    { schema: 'trt-parity/doctor' as const, schemaVersion: DOCTOR_SCHEMA_VERSION, tool: { name: 'trt-parity' as const, version: TOOL_VERSION }, node: nodeInfo(), sharp },
    ...sections,
  ) as DoctorReport;
}

function nodeInfo(): NodeSection {
  return {
    version: process.version,
    platform: process.platform,
    arch: process.arch,
    napiVersion: process.versions.napi ?? null,
    glibc: process.platform === 'linux' ? glibcVersion() : null,
  };
}

function glibcVersion(): string | null {
  try {
    const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: unknown } } | undefined)?.header;
    return typeof header?.glibcVersionRuntime === 'string' ? header.glibcVersionRuntime : null;
  } catch {
    return null;
  }
}

async function sharpInfo(): Promise<SharpSection> {
  try {
    const sharp = (await import('sharp')).default as unknown as { versions?: Record<string, string | undefined> };
    return { version: sharp.versions?.['sharp'] ?? null, libvips: sharp.versions?.['vips'] ?? null, error: null, hints: [] };
  } catch (err) {
    return { version: null, libvips: null, error: err instanceof Error ? err.message.split('\n')[0]! : String(err), hints: [`reinstall it for this platform: npm install --os=${process.platform} --cpu=${process.arch} sharp (see sharp's install docs)`] };
  }
}
