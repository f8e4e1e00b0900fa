import { escapeDeep } from './escape.js';
import type { DoctorReport, OrtProvidersSection } from './model/doctor.js';
import { colors, table } from './format.js';

/** `trt-parity doctor`: one line per component, then every problem with its fix. */
export function renderDoctorText(report: DoctorReport, options: { color: boolean }): string {
  // Paths, library versions and their error messages come from outside: escaped once, here.
  const r = escapeDeep(report);
  const c = colors(options.color);
  const ok = (s: string): string => c.green(s);
  const bad = (s: string): string => c.red(s);
  const rows: string[][] = [];
  rows.push(['node', ok(`${r.node.version} ${r.node.platform}-${r.node.arch}`) + c.dim(`  N-API ${r.node.napiVersion ?? '?'}${r.node.glibc ? `, glibc ${r.node.glibc}` : ''}`)]);
  rows.push(['onnxruntime-node', r.onnxruntime.error ? bad(r.onnxruntime.error)
    : ok(r.onnxruntime.version ?? 'loaded') + c.dim(`  providers: ${(r.onnxruntime.backends ?? []).map((b) => `${b.name}${b.bundled ? '' : ' (not bundled)'}`).join(', ') || '?'}`)]);
  rows.push(['sharp', r.sharp.error ? bad(r.sharp.error) : ok(`${r.sharp.version ?? '?'}`) + c.dim(`  libvips ${r.sharp.libvips ?? '?'}`)]);
  const b = r.addon.build;
  const built = b ? c.dim(`  built with CUDA ${b.cuda.version ?? '?'}, TensorRT headers ${b.tensorrt.headerVersion ?? 'none'}`) : '';
  const prebuilt = r.addon.prebuild ? c.dim(`  prebuilt: CUDA ${r.addon.prebuild.cudaVersion}, TensorRT headers ${r.addon.prebuild.tensorrtHeaderVersion ?? 'none'}`) : built;
  rows.push(['native addon', r.addon.loaded ? ok(`${r.addon.source} ${r.addon.path}`) + prebuilt : bad(r.addon.problem?.message ?? 'not loaded')]);
  rows.push(['', c.dim(r.addon.sourceWhy)]);
  if (r.cuda) rows.push(['CUDA', r.cuda.error ? bad(`${r.cuda.error}`) + c.dim(`  runtime ${r.cuda.runtimeVersion ?? '?'}, driver ${r.cuda.driverVersion ?? 'none'}`) : ok(`runtime ${r.cuda.runtimeVersion}, driver ${r.cuda.driverVersion}`)]);
  if (r.gpus) {
    if (r.gpus.length === 0) rows.push(['GPUs', bad('none')]);
    for (const g of r.gpus) rows.push([`GPU ${g.index}`, ok(g.name) + c.dim(`  compute ${g.computeCapability}, ${(g.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB, ${g.pciBusId}`)]);
  }
  const t = r.tensorrt;
  if (t.builtIn !== null) {
    rows.push(['TensorRT', !t.builtIn ? bad('not built in (addon compiled without TensorRT headers)')
      : t.libraryVersion ? ok(`${t.libraryName} ${t.libraryVersion}`) + c.dim(`  headers ${t.headerVersion}`)
        : bad(t.libraryError ?? `${t.libraryName ?? 'libnvinfer'} not loaded`) + c.dim(`  headers ${t.headerVersion}`)]);
  }
  const lib = t.library;
  rows.push(['TensorRT library', lib.path ? ok(`${lib.path}${lib.version ? ` (${lib.version})` : ''}`) + c.dim(`  ${lib.why}`) : bad(lib.why)]);
  if (lib.note) rows.push(['', c.yellow(lib.note)]);
  const out = [c.bold('trt-parity doctor'), ...table(rows, ['left', 'left'], '  '), ''];
  // Where we looked, in order: what a user needs to see when the library they installed is not found.
  if (t.search.length > 0) {
    out.push('where TensorRT was looked for, in order:');
    const width = Math.max(...t.search.map((s) => s.step.length));
    for (const s of t.search) {
      const mark = s.outcome === 'found' ? ok('found    ') : s.outcome === 'not-found' ? c.yellow('not found') : c.dim('skipped  ');
      out.push(`  ${s.step.padEnd(width)}  ${mark}  ${c.dim(s.detail)}`);
    }
    out.push('');
  }
  out.push(...renderOrtProviders(r.onnxruntime.providers, c));
  if (r.engine) {
    const e = r.engine;
    out.push(e.canRun ? c.green(c.bold(e.verdict)) : c.red(c.bold(e.verdict)));
    if (e.fix) out.push(`  fix: ${e.fix}`);
    out.push('');
  }
  const u = r.tensorrtUsable;
  out.push(u.usable ? c.green(c.bold(`TensorRT engines can run here on device ${u.device}.`)) : c.red(c.bold(`TensorRT engines cannot run here (${u.reason}). ONNX models and saved runs work.`)));
  for (const p of r.problems) {
    out.push('', `${c.yellow('problem')} ${p.message}`);
    for (const h of p.hints) out.push(`  fix: ${h}`);
    for (const d of p.detail.slice(0, 6)) out.push(c.dim(`  detail: ${d}`));
  }
  for (const h of [...r.onnxruntime.hints, ...r.sharp.hints]) out.push(`  fix: ${h}`);
  return out.join('\n') + '\n';
}

/** ONNX Runtime's execution providers: compiled in, their libraries, whether they load, and the fixes. */
function renderOrtProviders(p: OrtProvidersSection | undefined, c: ReturnType<typeof colors>): string[] {
  if (p === undefined) return [];
  if (p.error !== null) return [`ONNX Runtime providers: ${c.red(p.error)}`, ''];
  const out = [`ONNX Runtime providers (libraries next to libonnxruntime.so.1 in ${p.libDir ?? '?'}${p.libDirFrom === 'onnxruntime-node' ? '' : `, from ${p.libDirFrom ?? '?'}`}):`];
  const rows = p.providers.map((s) => {
    const where = !s.compiledIn ? c.dim('not compiled in') : s.bundled ? 'built in' : 'separate library';
    const files = s.files.map((f) => (f.bytes === null ? c.red(`${f.name} missing`) : c.dim(f.name))).join(', ');
    const load = s.load.outcome === 'loads' ? c.green(`loads${s.load.ms === null ? '' : ` (${s.load.ms.toFixed(0)} ms)`}`)
      : s.load.outcome === 'not-probed' ? c.dim(s.load.detail)
        : c.red(`${s.load.outcome === 'fails' ? 'does not load' : s.load.outcome}: ${s.load.detail}`);
    return [s.name, where, load + (files === '' ? '' : `  ${files}`)];
  });
  out.push(...table(rows, ['left', 'left', 'left'], '  '));
  // CUDA and TensorRT share most fixes (same download, same CUDA libraries): each line once.
  const shown = new Set<string>();
  for (const s of p.providers) {
    const fresh = s.compiledIn ? s.fixes.filter((f) => !shown.has(f)) : [];
    if (fresh.length === 0) continue;
    out.push(`  ${s.name}:`);
    for (const f of fresh) {
      shown.add(f);
      out.push(`    fix: ${f}`);
    }
  }
  out.push('');
  return out;
}
