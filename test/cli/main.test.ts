import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CommanderError } from 'commander';
import { exitStatus } from '../../src/cli/main.js';
import { ExitCode, UsageError } from '../../src/errors.js';
import { compared, f32, map, report } from '../report/sample-report.js';

describe('exitStatus: the one mapping from what a command produced to the exit status', () => {
  const mismatch = report([compared('b.jpg', map({ y: f32([1]) }), map({ y: f32([2]) }))]);

  test('a report decides; a report file that could not be written raises it to 2, never hides worse or an interruption', () => {
    assert.equal(exitStatus({ report: mismatch, outputsWritten: true }), ExitCode.mismatch);
    assert.equal(exitStatus({ report: mismatch, outputsWritten: false }), ExitCode.usage);
    const interrupted = { ...mismatch, summary: { ...mismatch.summary, exitCode: ExitCode.interrupted } };
    assert.equal(exitStatus({ report: interrupted, outputsWritten: false }), ExitCode.interrupted);
  });

  test('help and version are 0, other commander errors 2, our errors their code, nothing at all 0', () => {
    assert.equal(exitStatus(new CommanderError(0, 'commander.helpDisplayed', '')), 0);
    assert.equal(exitStatus(new CommanderError(0, 'commander.version', '')), 0);
    assert.equal(exitStatus(new CommanderError(1, 'commander.unknownOption', '')), 2);
    assert.equal(exitStatus(new UsageError('x')), 2);
    assert.equal(exitStatus(new Error('bug')), 4);
    assert.equal(exitStatus(null), 0);
  });
});
