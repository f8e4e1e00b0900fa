/**
 * `--html FILE`: one self-contained page (no network when opened: the styles, the script, the
 * pictures as data URIs and the report itself are inline; a Content-Security-Policy forbids any
 * fetch). Pure: the pictures come in already encoded (images.ts).
 *
 * The page embeds the JSON report and the collected figures in a `<script type="application/json"
 * id="trt-parity-data">` block: its own table script reads them, and `trt-parity merge` reads a
 * shard's HTML report back from it (HTML_DATA_ID).
 */
import { fmtNum, fmtPercent } from '../format.js';
import { toJson } from '../json.js';
import type { CompareReport } from '../model/compare.js';
import type { HtmlData, OutputFigures, WorstItem } from './collect.js';
import { heatmapId, type ReportImages } from './images.js';
import { escapeXml as esc, histogramSvg, scatterSvg } from './svg.js';

export const HTML_DATA_ID = 'trt-parity-data';

/** What the page embeds (and merge reads back). */
export interface EmbeddedReport {
  readonly report: CompareReport;
  readonly figures: HtmlData | null;
}

const CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'";

export function renderHtml(report: CompareReport, figures: HtmlData | null, images: ReportImages): string {
  const s = report.summary;
  const verdict = s.exitCode === 0 ? 'pass' : s.exitCode === 1 ? 'fail' : 'error';
  const title = `trt-parity: ${verdict.toUpperCase()} — ${base(report.first.source)} vs ${base(report.second.source)}`;
  // Thumbnails travel as their PNG, not as raw pixels: a third of the size, and merge passes them through.
  const embedded: EmbeddedReport = { report, figures: figures && { ...figures, thumbs: Object.fromEntries(Object.entries(figures.thumbs).map(([k, t]) => [k, { width: t.width, height: t.height, sourceWidth: t.sourceWidth, sourceHeight: t.sourceHeight, png: images.thumbs.get(k) ?? '' }])) } };
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${esc(title)}</title>
<style>${STYLE}</style></head>
<body>
<header class="${verdict}"><h1><span class="badge">${verdict.toUpperCase()}</span> ${esc(base(report.first.source))} <small>vs</small> ${esc(base(report.second.source))}</h1>
<p>${summaryLine(report)}</p></header>
<main>
${settingsSection(report)}
${outputsSummary(report)}
${taskSection(report, figures)}
<section><h2>Inputs × outputs</h2>
<div class="controls"><input id="filter" type="search" placeholder="filter by input or output" aria-label="filter">
<select id="verdict" aria-label="verdict"><option value="">all verdicts</option><option value="fail">fail</option><option value="pass">pass</option><option value="error">error</option></select>
<span id="shown"></span></div>
<table id="items"><thead><tr>
<th data-col="0" data-type="s">input</th><th data-col="1" data-type="s">output</th><th data-col="2" data-type="v">verdict</th>
<th data-col="3" data-type="n">mismatch %</th><th data-col="4" data-type="n">max |diff|</th><th data-col="5" data-type="n">max rel</th>
<th data-col="6" data-type="n">cosine</th><th data-col="7" data-type="s">task</th></tr></thead><tbody></tbody></table>
</section>
${figures ? figuresSection(report, figures, images) : '<section><h2>Plots</h2><p class="empty">No plots: this report was merged from JSON reports only. Merge the shards\' HTML reports (<code>trt-parity merge shard-*.html --html all.html</code>) to keep them.</p></section>'}
</main>
<footer>trt-parity ${esc(report.tool.version)} · report schema ${esc(report.schema)} v${report.schemaVersion}</footer>
<script type="application/json" id="${HTML_DATA_ID}">${scriptSafe(toJson(embedded))}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}

/** The page's embedded report and figures, for merge. Returns null when the text has none. */
export function extractEmbedded(html: string): unknown {
  const open = `<script type="application/json" id="${HTML_DATA_ID}">`;
  const i = html.indexOf(open);
  if (i < 0) return null;
  const j = html.indexOf('</script>', i);
  if (j < 0) return null;
  return JSON.parse(html.slice(i + open.length, j));
}

/** JSON inside <script>: `<` escaped so that no "</script>" or "<!--" in a key ends the block. */
function scriptSafe(json: string): string {
  return json.replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function base(p: string): string {
  return p.replace(/\/+$/, '').split('/').pop() || p;
}

function fmt(v: number | null | undefined): string {
  return v === null || v === undefined ? '–' : fmtNum(v);
}

function summaryLine(r: CompareReport): string {
  const s = r.summary;
  const parts = [`${s.items} input${s.items === 1 ? '' : 's'}`, `${s.passed} passed`, `${s.failed} failed`];
  if (s.errors) parts.push(`${s.errors} error${s.errors === 1 ? '' : 's'}`);
  if (s.skipped) parts.push(`${s.skipped} not run`);
  parts.push(`exit code ${s.exitCode}`);
  if (s.verdict) parts.push(`decided by the ${s.verdict.mode} verdict`);
  if (r.shard) parts.push(`shard ${r.shard.index}/${r.shard.count} of ${r.shard.inputsInRun} inputs`);
  return esc(parts.join(' · '));
}

function kv(rows: readonly [string, string][]): string {
  return `<table class="kv">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${v}</td></tr>`).join('')}</table>`;
}

function settingsSection(r: CompareReport): string {
  const t = r.settings.tolerance;
  const per = Object.entries(t.perOutput).map(([o, v]) => `${o}: ${v.rtol !== undefined ? `rtol ${v.rtol}` : ''}${v.rtol !== undefined && v.atol !== undefined ? ', ' : ''}${v.atol !== undefined ? `atol ${v.atol}` : ''}`);
  const p = r.settings.preprocess;
  const rows: [string, string][] = [
    ['first', `${esc(r.first.backend)} · <code>${esc(r.first.source)}</code>`],
    ['second (reference)', `${esc(r.second.backend)} · <code>${esc(r.second.source)}</code>`],
    ['rule', '|first − second| ≤ atol + rtol·|second|, element by element (numpy <code>assert_allclose</code>)'],
    ['tolerance', esc(`rtol ${t.default.rtol}, atol ${t.default.atol}${per.length ? `; ${per.join('; ')}` : ''}`)],
    ['NaN/Inf', r.settings.allowNonFinite ? 'allowed (--allow-nonfinite)' : 'fail the output'],
  ];
  if (p) {
    rows.push(['pipeline', esc(`${p.pipeline} · ${p.input} ${p.layout} ${p.dtype} ${p.size}${p.resize ? ` · resize ${p.resize}` : ''}`)]);
    rows.push(['normalisation', esc(`mean ${p.mean.join(', ')} · std ${p.std.join(', ')} · scale ${p.scale} · ${p.channelOrder}`)]);
  }
  if (r.shard) rows.push(['shard', esc(`${r.shard.index}/${r.shard.count} (${r.shard.rule}) of ${r.shard.inputsInRun} inputs`)]);
  rows.push(['versions', esc(`${r.tool.name} ${r.tool.version} · report ${r.schema} v${r.schemaVersion}`)]);
  rows.push(['duration', esc(`${(r.durationMs / 1000).toFixed(2)} s`)]);
  const warnings = r.warnings.length ? `<ul class="warnings">${r.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul>` : '';
  return `<section><h2>Run</h2>${kv(rows)}${warnings}</section>`;
}

function outputsSummary(r: CompareReport): string {
  if (r.summary.outputs.length === 0) return '';
  const rows = r.summary.outputs.map((o) => `<tr class="${o.failed ? 'fail' : 'pass'}"><td>${esc(o.name)}</td><td>${o.items - o.failed}/${o.items}</td>`
    + `<td>${o.mismatched}/${o.total} (${fmtPercent(o.mismatched, o.total)})</td><td>${fmt(o.maxAbs)}</td><td>${fmt(o.maxRel)}</td>`
    + `<td>${fmt(o.minAtol)}</td><td>${fmt(o.minRtol)}</td><td>${o.top1Rows ? `${o.top1Agree}/${o.top1Rows}` : '–'}</td></tr>`).join('');
  return `<section><h2>Outputs over the run</h2><table class="grid"><thead><tr><th>output</th><th>inputs passed</th><th>mismatched elements</th><th>max |diff|</th><th>max rel</th><th>would pass with atol</th><th>… or rtol</th><th>top-1 agree</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

function taskSection(r: CompareReport, figures: HtmlData | null): string {
  const flips = r.task?.summary?.kind === 'classify' ? r.task.summary.flips : null;
  let html = '';
  if (r.task) {
    const t = r.task;
    const sm = t.summary;
    let fig = '';
    if (sm?.kind === 'classify') fig = `top-1 agreement ${sm.agree}/${sm.rows} (${(100 * sm.rate).toFixed(2)}%, 95% CI ${(100 * sm.interval.low).toFixed(1)}–${(100 * sm.interval.high).toFixed(1)}%)`;
    else if (sm?.kind === 'detect') fig = `F1 ${sm.f1.toFixed(4)} · precision ${sm.precision.toFixed(4)} · recall ${sm.recall.toFixed(4)} · ${sm.matched} matched, ${sm.onlyFirst} only first, ${sm.onlySecond} only second`;
    else if (sm?.kind === 'segment') fig = `pixel agreement ${(100 * sm.pixelAgreement).toFixed(3)}% · mIoU ${sm.miou.toFixed(4)}`;
    const gates = t.verdict?.gates.map((g) => `${g.figure} ${g.value.toFixed(4)} ${g.passed ? '≥' : '<'} ${g.threshold} (${g.passed ? 'pass' : 'fail'})`).join('; ');
    html += kv([['task', esc(`${t.kind ?? 'none'}${t.layout ? ` (${t.layout})` : ''}: ${t.reason}`)], ['figures', esc(fig || '–')], ['gates', esc(gates || 'none')]]);
  }
  const list = flips
    ? flips.map((f) => ({ key: f.key, row: f.row, first: f.firstName ?? String(f.firstLabel), second: f.secondName ?? String(f.secondLabel), output: '' }))
    : (figures?.flips ?? []).map((f) => ({ key: f.key, row: f.row, first: String(f.first), second: String(f.second), output: f.output }));
  if (list.length) {
    html += `<h3>Classification flips (${list.length})</h3><table class="grid flips"><thead><tr><th>input</th><th>row</th><th>first says</th><th>reference says</th></tr></thead><tbody>${
      list.map((f) => `<tr><td>${esc(f.key)}${f.output ? ` <small>${esc(f.output)}</small>` : ''}</td><td>${f.row}</td><td class="flip-a">${esc(f.first)}</td><td class="flip-b">${esc(f.second)}</td></tr>`).join('')}</tbody></table>`;
  }
  return html ? `<section><h2>Task-level agreement</h2>${html}</section>` : '';
}

function figuresSection(r: CompareReport, data: HtmlData, images: ReportImages): string {
  if (data.outputs.length === 0) return '<section><h2>Plots</h2><p class="empty">No output was compared element-wise.</p></section>';
  return data.outputs.map((f) => outputFigures(f, data, images, r)).join('\n');
}

function outputFigures(f: OutputFigures, data: HtmlData, images: ReportImages, r: CompareReport): string {
  const shape = `[${f.shape.join(', ')}]`;
  const head = `<h2>Output <code>${esc(f.name)}</code> <small>${esc(shape)} · rtol ${f.tolerance.rtol} · atol ${f.tolerance.atol}</small></h2>`;
  const plots = `<div class="plots"><figure>${histogramSvg(f.hist, f.tolerance.atol, f.name)}<figcaption>|diff| over every element of every input</figcaption></figure>`
    + `<figure>${scatterSvg(f.sample, f.tolerance, f.name)}<figcaption>a fixed-size sample of elements; red: outside the tolerance</figcaption></figure></div>`;
  const worst = f.worst.length ? `<h3>Worst inputs</h3><div class="worst">${f.worst.map((w) => worstCard(f, w, data, images, r)).join('')}</div>` : '';
  return `<section class="output">${head}${plots}${worst}</section>`;
}

function worstCard(f: OutputFigures, w: WorstItem, data: HtmlData, images: ReportImages, r: CompareReport): string {
  const thumb = images.thumbs.get(w.key);
  const t = data.thumbs[w.key];
  let pic = '';
  if (thumb && t) {
    let boxes = '';
    if (w.boxes) {
      const rect = (b: WorstItem['boxes'] extends infer B ? B extends { first: (infer X)[] } ? X : never : never, cls: string): string =>
        `<rect class="${cls}" x="${b.x1}" y="${b.y1}" width="${Math.max(0, b.x2 - b.x1)}" height="${Math.max(0, b.y2 - b.y1)}"><title>class ${b.cls} · ${b.score.toFixed(3)}</title></rect>`;
      boxes = `<svg class="boxes" viewBox="0 0 ${t.sourceWidth} ${t.sourceHeight}" preserveAspectRatio="none">${w.boxes.second.map((b) => rect(b, 'box-b')).join('')}${w.boxes.first.map((b) => rect(b, 'box-a')).join('')}</svg>`;
    }
    pic = `<div class="thumb"><img src="${thumb}" alt="input ${esc(w.key)}" width="${t.width}" height="${t.height}">${boxes}</div>`;
    if (w.boxes) pic += `<p class="legend"><span class="box-a-key">first ${w.boxes.first.length}</span> <span class="box-b-key">reference ${w.boxes.second.length}</span></p>`;
  }
  const heat = w.heatmaps.map((h) => {
    const src = images.heatmaps.get(heatmapId(f.name, w.key, h.channel));
    return src ? `<figure class="heat"><img class="heatmap" src="${src}" alt="|diff| channel ${h.channel}" width="${Math.round((h.width / Math.max(h.width, h.height)) * 112)}" height="${Math.round((h.height / Math.max(h.width, h.height)) * 112)}"><figcaption>ch ${h.channel} · max ${fmt(h.max)}</figcaption></figure>` : '';
  }).join('');
  const item = r.items.find((i) => i.key === w.key);
  const status = item?.outputs.find((o) => o.name === f.name)?.passed === false ? 'fail' : 'pass';
  return `<div class="card ${status}"><h4>${esc(w.key)}</h4><p>max |diff| ${fmt(w.score)} · ${w.mismatched}/${w.total} mismatched</p><div class="card-body">${pic}${heat ? `<div><div class="heats">${heat}</div><p class="scale">|diff| per channel, one colour scale per input: <span class="ramp"></span> 0 → ${fmt(Math.max(...w.heatmaps.map((h) => h.max)))}</p></div>` : ''}</div></div>`;
}

const STYLE = `
:root{--fg:#1d232b;--mute:#5b6672;--line:#d9dee4;--bg:#f6f8fa;--pass:#1a7f37;--fail:#cf222e;--err:#9a6700;--a:#ff7b00;--b:#00a3d7}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:#fff}
header{padding:18px 28px;border-bottom:1px solid var(--line);background:var(--bg)}header h1{margin:0 0 4px;font-size:20px;font-weight:600}
header p{margin:0;color:var(--mute)}h1 small{color:var(--mute);font-weight:400}
.badge{display:inline-block;padding:2px 10px;border-radius:12px;color:#fff;font-size:14px;vertical-align:2px;margin-right:6px}
.pass .badge{background:var(--pass)}.fail .badge{background:var(--fail)}.error .badge{background:var(--err)}
main{padding:4px 28px 28px;max-width:1400px}section{margin-top:22px}h2{font-size:16px;margin:0 0 10px;border-bottom:1px solid var(--line);padding-bottom:4px}
h2 small{color:var(--mute);font-weight:400;font-size:13px}h3{font-size:14px;margin:16px 0 8px}h4{margin:0 0 2px;font-size:13px;word-break:break-all}
code{font:12px ui-monospace,SFMono-Regular,Menlo,monospace;background:var(--bg);padding:1px 4px;border-radius:4px}
table{border-collapse:collapse}.kv th{text-align:left;font-weight:500;color:var(--mute);padding:2px 16px 2px 0;vertical-align:top}.kv td{padding:2px 0}
.grid,#items{width:100%;font-variant-numeric:tabular-nums}.grid th,.grid td,#items th,#items td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left}
.grid thead th,#items thead th{background:var(--bg);font-weight:600;font-size:12px;color:var(--mute)}
#items thead th{cursor:pointer;user-select:none;white-space:nowrap}#items thead th[aria-sort=ascending]::after{content:" ▲"}#items thead th[aria-sort=descending]::after{content:" ▼"}
#items td:nth-child(n+4):not(:last-child){text-align:right;font-family:ui-monospace,Menlo,monospace;font-size:12px}
tr.fail td:first-child,td.v-fail{color:var(--fail);font-weight:600}td.v-pass{color:var(--pass)}td.v-error{color:var(--err);font-weight:600}
.controls{display:flex;gap:10px;align-items:center;margin-bottom:8px}.controls input{padding:5px 8px;width:280px;border:1px solid var(--line);border-radius:6px}
.controls select{padding:5px;border:1px solid var(--line);border-radius:6px}#shown{color:var(--mute);font-size:12px}
.plots{display:flex;flex-wrap:wrap;gap:16px}figure{margin:0}figcaption{color:var(--mute);font-size:12px}
.plot{background:#fff;border:1px solid var(--line);border-radius:6px;max-width:100%;height:auto}.plot .bg{fill:#fbfcfd}
.plot .bar{fill:#4f6ddb}.plot .bar.zero{fill:#9aa7b4}.plot .pt{fill:#4f6ddb;fill-opacity:.55}.plot .pt.bad{fill:var(--fail);fill-opacity:.85}
.plot .tol{stroke:var(--fail);stroke-width:1.5;stroke-dasharray:5 3;fill:none}.plot .tol-label{fill:var(--fail);font-size:11px}
.plot .tick{stroke:#8892a0}.plot .tick-label{fill:var(--mute);font-size:10px}.plot .axis-title{fill:var(--fg);font-size:11px}
.worst{display:flex;flex-wrap:wrap;gap:12px}.card{border:1px solid var(--line);border-radius:8px;padding:10px;max-width:100%}
.card.fail{border-color:#f1aeb5}.card p{margin:0 0 6px;color:var(--mute);font-size:12px}.card-body{display:flex;gap:10px;align-items:flex-start;flex-wrap:wrap}
.thumb{position:relative;line-height:0}.thumb img{border-radius:4px;display:block}.boxes{position:absolute;inset:0;width:100%;height:100%}
.box-a{fill:none;stroke:var(--a);stroke-width:2.5;vector-effect:non-scaling-stroke}.box-b{fill:none;stroke:var(--b);stroke-width:2;stroke-dasharray:4 2;vector-effect:non-scaling-stroke}
.legend{font-size:11px}.box-a-key{color:var(--a)}.box-b-key{color:var(--b)}
.scale{font-size:11px;margin:6px 0 0}.ramp{display:inline-block;width:60px;height:8px;vertical-align:middle;background:linear-gradient(90deg,#000004,#65156e,#d44842,#fac127,#fcffa4)}
.heats{display:grid;grid-template-columns:repeat(3,auto);gap:6px}.heatmap{image-rendering:pixelated;border-radius:3px;display:block}.heat figcaption{font-size:10px}
.flips .flip-a{color:var(--a);font-weight:600}.flips .flip-b{color:var(--b);font-weight:600}
.warnings{color:var(--err)}.empty{color:var(--mute)}footer{padding:12px 28px;color:var(--mute);font-size:12px;border-top:1px solid var(--line)}
`;

/** The table: rows from the embedded report; sort by a header click, filter by text and verdict. */
const SCRIPT = `
(function(){
  "use strict";
  var data = JSON.parse(document.getElementById(${JSON.stringify(HTML_DATA_ID)}).textContent);
  var num = function(v){ return v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : v; };
  var rows = [];
  data.report.items.forEach(function(it){
    if (it.status === "error" || it.outputs.length === 0) {
      rows.push([it.key, it.error ? it.error.message : "", it.status, null, null, null, null, task(it.task)]);
      return;
    }
    it.outputs.forEach(function(o){
      var st = o.stats || {};
      rows.push([it.key, o.name, o.passed ? "pass" : "fail", o.total ? 100 * o.mismatched / o.total : 0,
        st.maxAbs === undefined ? null : num(st.maxAbs), st.maxRel === undefined ? null : num(st.maxRel), st.cosine === undefined ? null : num(st.cosine), task(it.task)]);
    });
  });
  function task(t){
    if (!t) return "";
    if (t.kind === "classify") return t.rows.map(function(r){ return r.agree ? "top-1 " + r.firstTop1 : r.firstTop1 + " \\u2260 " + r.secondTop1; }).join("; ");
    if (t.kind === "detect") return "F1 " + t.f1.toFixed(3) + " (" + t.matched + " matched, +" + t.onlyFirst + "/\\u2212" + t.onlySecond + ")";
    return "agree " + (100 * t.pixelAgreement).toFixed(2) + "% \\u00b7 mIoU " + t.miou.toFixed(3);
  }
  function fmt(v){
    if (v === null || v === undefined) return "\\u2013";
    if (typeof v !== "number") return String(v);
    if (isNaN(v)) return "NaN";
    if (!isFinite(v)) return v > 0 ? "inf" : "-inf";
    if (v === 0) return "0";
    var a = Math.abs(v);
    return a >= 1e-3 && a < 1e5 ? String(+v.toPrecision(4)) : v.toExponential(2);
  }
  var LIMIT = 1000, sortCol = 2, sortDir = -1;
  var tbody = document.querySelector("#items tbody"), heads = document.querySelectorAll("#items thead th");
  var filter = document.getElementById("filter"), verdict = document.getElementById("verdict"), shown = document.getElementById("shown");
  var RANK = { error: 2, fail: 1, pass: 0 };
  function key(v, type){ if (type === "v") return RANK[v] === undefined ? -1 : RANK[v]; if (type === "n") return v === null ? -Infinity : isNaN(v) ? Infinity : v; return v === null ? "" : String(v); }
  function draw(){
    var q = filter.value.toLowerCase(), vd = verdict.value, type = heads[sortCol].getAttribute("data-type");
    var list = rows.filter(function(r){ return (!vd || r[2] === vd) && (!q || (r[0] + " " + r[1]).toLowerCase().indexOf(q) >= 0); });
    list.sort(function(a, b){ var x = key(a[sortCol], type), y = key(b[sortCol], type); return x < y ? -sortDir : x > y ? sortDir : (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0); });
    var frag = document.createDocumentFragment();
    list.slice(0, LIMIT).forEach(function(r){
      var tr = document.createElement("tr");
      r.forEach(function(v, i){ var td = document.createElement("td"); td.textContent = i >= 3 && i <= 6 ? fmt(v) : (v === null ? "" : String(v)); if (i === 2) td.className = "v-" + v; tr.appendChild(td); });
      frag.appendChild(tr);
    });
    tbody.replaceChildren(frag);
    shown.textContent = list.length > LIMIT ? "showing " + LIMIT + " of " + list.length + " rows" : list.length + " of " + rows.length + " rows";
    heads.forEach(function(h, i){ if (i === sortCol) h.setAttribute("aria-sort", sortDir > 0 ? "ascending" : "descending"); else h.removeAttribute("aria-sort"); });
  }
  heads.forEach(function(h, i){ h.addEventListener("click", function(){ if (sortCol === i) sortDir = -sortDir; else { sortCol = i; sortDir = h.getAttribute("data-type") === "s" ? 1 : -1; } draw(); }); });
  filter.addEventListener("input", draw);
  verdict.addEventListener("change", draw);
  draw();
})();
`;
