import { escapeDeep } from './escape.js';
import type { BenchReport, LatencyStats } from './model/bench.js';
import { formatShape } from '../tensor/shape.js';
import { colors, fmtMs, table } from './format.js';

/** The `bench` table: one block per backend, then the headline when both ran. */
export function renderBenchText(raw: BenchReport, options: { color: boolean }): string {
  // File and tensor names and the backends' warnings come from outside: escaped once, here.
  const report = escapeDeep(raw);
  const c = colors(options.color);
  const out: string[] = [c.bold('trt-parity bench')];
  const inp = report.input;
  const tensors = inp.tensors.map((t) => `${t.name} ${t.dtype}${formatShape(t.shape)}`).join(', ');
  out.push(`  input     ${inp.kind === 'image' ? `image ${inp.image}` : `seeded random data (seed ${inp.seed}; give an image for real data)`}: ${tensors}`);
  const s = report.settings;
  out.push(`  measure   warm-up ${s.warmupMs} ms (not counted), then at least ${s.iterations} iterations and ${s.durationMs / 1000} s; percentiles: ${s.percentiles}`);
  if (report.results.some((r) => r.gpu)) {
    out.push(`  tensorrt  ${s.tensorrt.transfers ? 'with H2D/D2H copies' : 'no H2D/D2H copies (--no-transfers: compute alone)'}, ${s.tensorrt.cudaGraph ? 'CUDA graph (--cuda-graph)' : 'plain enqueueV3'}`);
  }
  for (const r of report.results) {
    out.push('', c.bold(`${r.backend}  ${r.source}`) + (r.executionProvider === undefined ? '' : `  (${r.executionProvider} provider)`));
    out.push(`  load ${fmtMs(r.loadMs)}, first inference ${fmtMs(r.firstRunMs)}, warm-up ${r.warmupRuns} runs in ${fmtMs(r.warmupMs)}, measured ${r.iterations} runs in ${fmtMs(r.measuredMs)}, throughput ${r.throughput.toFixed(1)} inferences/s`);
    const rows: string[][] = [['', 'min', 'mean', 'median', 'p90', 'p95', 'p99', 'max', 'std', 'cv']];
    rows.push(statRow('end to end (JS)', r.latency));
    if (r.session) rows.push(statRow('session.run (worker)', r.session));
    if (r.gpu) {
      rows.push(statRow('H2D (events)', r.gpu.h2d));
      rows.push(statRow('GPU compute (events)', r.gpu.compute));
      rows.push(statRow('D2H (events)', r.gpu.d2h));
      rows.push(statRow('enqueue (host)', r.gpu.enqueue));
      rows.push(statRow('overhead (ours)', r.gpu.overhead));
    }
    out.push(...table(rows, ['left', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right'], '  ').map((l, i) => (i === 0 ? c.dim(l) : l)));
    if (r.session && r.sessionIncludes) out.push(c.dim(`  session.run: ${r.sessionIncludes}`));
    for (const w of r.warnings) out.push(c.yellow(`  * ${w}`));
  }
  const h = report.headline;
  if (h) {
    out.push('', c.bold('headline'));
    if (h.speedupDeviceSpan === undefined) {
      out.push(`  TensorRT is ${h.speedupEndToEnd.toFixed(2)}x faster than ONNX Runtime end to end (median), ${h.speedupCompute.toFixed(2)}x on GPU compute alone`);
    } else {
      // ONNX Runtime on the GPU cannot be timed without its copies: compare like with like first.
      out.push(`  TensorRT is ${h.speedupEndToEnd.toFixed(2)}x faster than ONNX Runtime on the GPU end to end (median)`);
      out.push(`  ${h.speedupDeviceSpan.toFixed(2)}x on the device span: ONNX Runtime's session.run (H2D + GPU compute + D2H, synchronized) vs TensorRT's H2D + GPU compute + D2H (CUDA events, sum of medians)`);
      out.push(`  ${h.speedupCompute.toFixed(2)}x against TensorRT's GPU compute alone (ONNX Runtime's figure still includes its copies)`);
    }
    out.push(`  of TensorRT's end-to-end median, ${(100 * h.tensorrtTransferShare).toFixed(1)}% is H2D+D2H copies and ${(100 * h.tensorrtOverheadShare).toFixed(1)}% is our own code, N-API and scheduling`);
  }
  return out.join('\n') + '\n';
}

function statRow(label: string, s: LatencyStats): string[] {
  return [label, fmtMs(s.min), fmtMs(s.mean), fmtMs(s.median), fmtMs(s.p90), fmtMs(s.p95), fmtMs(s.p99), fmtMs(s.max), fmtMs(s.std), `${s.cvPercent.toFixed(1)}%`];
}

