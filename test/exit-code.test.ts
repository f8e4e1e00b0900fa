import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BackendError, ExitCode, InputError, InternalError, UsageError } from '../src/errors.js';
import { exitCodeOf } from '../src/exit-code.js';
import type { BenchReport, DoctorReport, EngineInspectReport, OnnxInspectReport } from '../src/report/model/index.js';
import { compared, errored, f32, map, report } from './report/sample-report.js';

const tool = { name: 'trt-parity', version: '0.0.0' } as const;

describe('exitCodeOf', () => {
  test('a compare report: its summary decides (pass 0, mismatch 1, worst item error wins)', () => {
    const pass = compared('a.jpg', map({ y: f32([1]) }), map({ y: f32([1]) }));
    const fail = compared('b.jpg', map({ y: f32([1]) }), map({ y: f32([2]) }));
    assert.equal(exitCodeOf(report([pass])), ExitCode.ok);
    assert.equal(exitCodeOf(report([pass, fail])), ExitCode.mismatch);
    assert.equal(exitCodeOf(report([fail, errored('c.jpg', 2, 'bad image')])), ExitCode.usage);
    assert.equal(exitCodeOf(report([errored('c.jpg', 2, 'bad'), errored('d.jpg', 3, 'engine failed')])), ExitCode.backend);
  });

  test('an interrupted compare report is 130 whatever it found', () => {
    const r = report([compared('b.jpg', map({ y: f32([1]) }), map({ y: f32([2]) }))]);
    assert.equal(exitCodeOf({ ...r, summary: { ...r.summary, exitCode: ExitCode.interrupted } }), 130);
  });

  test('inspect: an engine TensorRT could not load here is a backend problem (3); an ONNX description is 0', () => {
    const engine = { schema: 'trt-parity/inspect-engine', schemaVersion: 1, tool, loaded: false } as unknown as EngineInspectReport;
    assert.equal(exitCodeOf(engine), ExitCode.backend);
    assert.equal(exitCodeOf({ ...engine, loaded: true }), ExitCode.ok);
    assert.equal(exitCodeOf({ schema: 'trt-parity/inspect-onnx', schemaVersion: 1, tool } as unknown as OnnxInspectReport), ExitCode.ok);
  });

  test('doctor: 0 when TensorRT can run here, 3 otherwise; bench: 0', () => {
    const doctor = (usable: boolean) => ({ schema: 'trt-parity/doctor', schemaVersion: 1, tool, tensorrtUsable: { device: 0, usable, reason: usable ? null : 'no-gpu' } }) as unknown as DoctorReport;
    assert.equal(exitCodeOf(doctor(true)), ExitCode.ok);
    assert.equal(exitCodeOf(doctor(false)), ExitCode.backend);
    assert.equal(exitCodeOf({ schema: 'trt-parity/bench', schemaVersion: 1, tool } as unknown as BenchReport), ExitCode.ok);
  });

  test('errors: usage and input 2, backend 3, an abort 130, anything else a bug (4)', () => {
    assert.equal(exitCodeOf(new UsageError('x')), 2);
    assert.equal(exitCodeOf(new InputError('f', 'x')), 2);
    assert.equal(exitCodeOf(new BackendError('some-backend', 'run-failed', 'x')), 3);
    assert.equal(exitCodeOf(new DOMException('stopped', 'AbortError')), 130);
    assert.equal(exitCodeOf(new InternalError('x')), 4);
    assert.equal(exitCodeOf(new TypeError('x')), 4);
    assert.equal(exitCodeOf('a string'), 4);
  });
});
