import type { CompareReport } from './model/compare.js';
import { describeFailure } from './text.js';
import { taskJUnitCases } from './task-junit.js';

/** JUnit XML for CI dashboards: one test case per input × output; an input that could not be run is one errored case. */
export function toJUnit(report: CompareReport): string {
  const cases: string[] = [];
  let failures = 0;
  let errors = 0;
  for (const item of report.items) {
    const cls = xml(item.key);
    const seconds = (((item.timing.firstMs ?? 0) + (item.timing.secondMs ?? 0) + item.timing.preprocessMs) / 1000).toFixed(6);
    if (item.status === 'error' || item.outputs.length === 0) {
      errors += 1;
      const message = item.error?.message ?? 'no outputs were compared';
      cases.push(`    <testcase classname="${cls}" name="(input)" time="${seconds}">\n      <error message="${xml(message)}">${xml([message, ...(item.error?.hints ?? []), ...(item.error?.logs ?? []).map((l) => `log: ${l}`)].join('\n'))}</error>\n    </testcase>`);
      continue;
    }
    for (const o of item.outputs) {
      if (o.passed) {
        cases.push(`    <testcase classname="${cls}" name="${xml(o.name)}" time="${seconds}"/>`);
      } else {
        failures += 1;
        const lines = describeFailure(o);
        cases.push(`    <testcase classname="${cls}" name="${xml(o.name)}" time="${seconds}">\n      <failure message="${xml(lines[0] ?? 'mismatch')}">${xml(lines.join('\n'))}</failure>\n    </testcase>`);
      }
    }
  }
  const task = taskJUnitCases(report, xml);
  cases.push(...task.cases);
  failures += task.failures;
  const total = cases.length;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="trt-parity" tests="${total}" failures="${failures}" errors="${errors}" time="${(report.durationMs / 1000).toFixed(3)}">`,
    `  <testsuite name="${xml(`${report.first.source} vs ${report.second.source}`)}" tests="${total}" failures="${failures}" errors="${errors}" skipped="${report.summary.skipped}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

function xml(s: string): string {
  return s
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
    // XML 1.0 forbids most control characters, even escaped.
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '?');
}
