/**
 * Task mode in JUnit XML: one test case per gate (failing when the gate fails), or one passing
 * case carrying the figures when no gate was set. The figures of the run and of every input
 * that differed go in the case's system-out, so a CI dashboard shows them next to the verdict.
 */
import type { CompareReport } from './model/compare.js';
import { renderTaskSection } from './task-text.js';
import { colors } from './format.js';

export function taskJUnitCases(report: CompareReport, xml: (s: string) => string): { readonly cases: string[]; readonly failures: number } {
  const t = report.task;
  if (!t) return { cases: [], failures: 0 };
  const figures = renderTaskSection(report, colors(false)).filter((l) => l.trim() !== '').join('\n');
  const out = `\n      <system-out>${xml(figures)}</system-out>`;
  const cls = `task.${t.kind ?? 'none'}`;
  const gates = t.verdict?.gates ?? [];
  if (gates.length === 0) return { cases: [`    <testcase classname="${cls}" name="task figures (no gate)" time="0">${out}\n    </testcase>`], failures: 0 };
  let failures = 0;
  const cases = gates.map((g) => {
    const name = `${g.name === 'min-agreement' ? '--min-agreement' : '--min-miou'} ${g.threshold}: ${g.figure}`;
    if (g.passed) return `    <testcase classname="${cls}" name="${xml(name)}" time="0">${out}\n    </testcase>`;
    failures += 1;
    const msg = `${g.figure} ${g.value} < ${g.threshold}`;
    return `    <testcase classname="${cls}" name="${xml(name)}" time="0">\n      <failure message="${xml(msg)}">${xml(msg)}</failure>${out}\n    </testcase>`;
  });
  return { cases, failures };
}
