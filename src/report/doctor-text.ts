import type { DoctorReport } from './model/doctor.js';
import { colors, table } from './format.js';

/** `trt-parity doctor`: one line per component, then every problem with its fix. */
export function renderDoctorText(r: DoctorReport, options: { color: boolean }): string {
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
  rows.push(['native addon', r.addon.loaded ? ok(`loaded ${r.addon.path}`) + built : bad(r.addon.problem?.message ?? 'not loaded')]);
  if (r.cuda) rows.push(['CUDA', r.cuda.error ? bad(`${r.cuda.error}`) + c.dim(`  runtime ${r.cuda.runtimeVersion ?? '?'}, driver ${r.cuda.driverVersion ?? 'none'}`) : ok(`runtime ${r.cuda.runtimeVersion}, driver ${r.cuda.driverVersion}`)]);
  if (r.gpus) {
    if (r.gpus.length === 0) rows.push(['GPUs', bad('none')]);
    for (const g of r.gpus) rows.push([`GPU ${g.index}`, ok(g.name) + c.dim(`  compute ${g.computeCapability}, ${(g.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB, ${g.pciBusId}`)]);
  }
  if (r.tensorrt) {
    const t = r.tensorrt;
    rows.push(['TensorRT', !t.builtIn ? bad('not built in (addon compiled without TensorRT headers)')
      : t.libraryVersion ? ok(`${t.libraryName} ${t.libraryVersion}`) + c.dim(`  headers ${t.headerVersion}`)
        : bad(t.libraryError ?? `${t.libraryName ?? 'libnvinfer'} not loaded`) + c.dim(`  headers ${t.headerVersion}`)]);
  }
  const out = [c.bold('trt-parity doctor'), ...table(rows, ['left', 'left'], '  '), ''];
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
