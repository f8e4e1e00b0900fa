import { escapeDeep } from './escape.js';
import type { EngineReport, InspectReport, OnnxModelInfo } from './model/inspect.js';
import { formatShape } from '../tensor/shape.js';
import { colors, table } from './format.js';

/** `inspect model.engine`: I/O, profiles, memory, the plan's TensorRT version and whether it suits this GPU. */
export function renderEngineText(report: EngineReport, options: { color: boolean }): string {
  // Tensor names, paths, TensorRT's messages and an export's metadata come from outside: escaped once, here.
  const r = escapeDeep(report);
  const c = colors(options.color);
  const out: string[] = [c.bold(`TensorRT engine ${r.path}`) + c.dim(`  (${r.fileBytes} bytes)`)];
  out.push(`  built by TensorRT ${r.planFormat === 'ptrt' ? '7 ("ptrt" plan)' : (r.planVersion ?? 'unknown')} (plan header)${r.tensorrtVersion ? `; this machine has ${r.tensorrtVersion}` : ''}`);
  if (r.ultralytics) {
    const u = r.ultralytics;
    const args = Object.entries(u.exportArgs).filter(([k]) => ['half', 'int8', 'dynamic', 'nms', 'batch', 'simplify', 'workspace'].includes(k)).map(([k, v]) => `${k}=${String(v)}`);
    out.push(`  Ultralytics export${u.version ? ` (ultralytics ${u.version})` : ''}: task ${u.task ?? '?'}, imgsz ${u.imgsz ? u.imgsz.join('x') : '?'}, stride ${u.stride ?? '?'}, ${u.classNames ? `${u.classNames.length} classes` : 'no class names'}${args.length ? `; export args ${args.join(' ')}` : ''}; plan at byte ${r.planOffset}`);
  }
  if (r.device) out.push(`  device ${r.device.index}: ${r.device.name}, compute ${r.device.computeCapability}`);
  const verdict = r.suitability.verdict === 'suitable' ? c.green('suits this GPU') : r.suitability.verdict === 'unsuitable' ? c.red('does not suit this machine') : c.yellow('suitability unknown');
  out.push(`  ${verdict}: ${r.suitability.reason}`);
  if (r.loaded) {
    out.push(`  ${r.numProfiles} optimization profile${r.numProfiles === 1 ? '' : 's'}, device memory ${r.deviceMemoryBytes} bytes, hardware compatibility ${r.hardwareCompatibility}`);
  }
  if (r.tensors) {
    const rows: string[][] = [['', 'name', 'dtype', 'shape', 'location', 'format']];
    for (const t of r.tensors) {
      rows.push([t.mode, t.name, t.supported ? t.dtype : c.red(`${t.dtype} (unsupported)`), formatShape(t.shape), t.location + (t.isShapeTensor ? ' (shape tensor)' : ''), t.format === 'LINEAR' ? t.format : c.red(`${t.format}: ${t.formatDesc}`)]);
    }
    out.push('', ...table(rows, ['left', 'left', 'left', 'left', 'left', 'left'], '  ').map((l, i) => (i === 0 ? c.dim(l) : l)));
    const inputs = r.tensors.filter((t) => t.mode === 'input');
    for (let p = 0; p < (r.numProfiles ?? 0); p++) {
      out.push('', `  profile ${p}`);
      const prow: string[][] = [];
      for (const t of inputs) {
        const s = t.profiles[p];
        if (!s) continue;
        prow.push([t.name, `min ${formatShape(s.min)}`, `opt ${formatShape(s.opt)}`, `max ${formatShape(s.max)}`,
          s.values ? `values min ${formatShape(s.values.min)} opt ${formatShape(s.values.opt)} max ${formatShape(s.values.max)}` : '']);
      }
      out.push(...table(prow, ['left', 'left', 'left', 'left', 'left'], '    '));
    }
  }
  if (r.problem) {
    out.push('', c.yellow(`  ${r.problem.message}`));
    for (const h of r.problem.hints) out.push(`    fix: ${h}`);
  }
  for (const n of r.notes) out.push(c.dim(`  note: ${n}`));
  for (const l of r.logs) out.push(c.dim(`  tensorrt: ${l}`));
  return out.join('\n') + '\n';
}

/** `inspect model.onnx`: I/O with named dynamic dims, opsets and producer. */
export function renderOnnxText(model: OnnxModelInfo, options: { color: boolean }): string {
  // Names, dynamic dims, producer and metadata strings are whatever the model file holds: escaped once, here.
  const m = escapeDeep(model);
  const c = colors(options.color);
  const out: string[] = [c.bold(`ONNX model ${m.path}`) + c.dim(`  (${m.fileBytes} bytes)`)];
  out.push(`  producer ${m.producerName || '?'} ${m.producerVersion}`.trimEnd() + `, IR version ${m.irVersion}, graph '${m.graphName}', ${m.nodeCount} nodes, ${m.initializerCount} initializers`);
  out.push(`  opsets ${m.opsets.map((o) => `${o.domain || 'ai.onnx'} ${o.version}`).join(', ')}`);
  const rows: string[][] = [['', 'name', 'dtype', 'shape']];
  for (const t of m.inputs) rows.push(['input', t.name, t.dtype, formatShape(t.shape)]);
  for (const t of m.outputs) rows.push(['output', t.name, t.dtype, formatShape(t.shape)]);
  out.push('', ...table(rows, ['left', 'left', 'left', 'left'], '  ').map((l, i) => (i === 0 ? c.dim(l) : l)));
  const dynamic = [...new Set([...m.inputs, ...m.outputs].flatMap((t) => t.shape.filter((d): d is string | null => typeof d !== 'number')))];
  if (dynamic.length) out.push('', c.dim(`  dynamic dims: ${dynamic.map((d) => d ?? '? (unnamed)').join(', ')}`));
  for (const [k, v] of m.metadata) out.push(c.dim(`  metadata ${k}: ${v}`));
  return out.join('\n') + '\n';
}

/** Either inspect report, by its schema. */
export function renderInspectText(r: InspectReport, options: { color: boolean }): string {
  return r.schema === 'trt-parity/inspect-engine' ? renderEngineText(r, options) : renderOnnxText(r, options);
}
