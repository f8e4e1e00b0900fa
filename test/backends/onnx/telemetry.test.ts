/**
 * ONNX Runtime's telemetry is off unless the user chose (src/backends/onnx/telemetry.ts). The
 * oracle is ONNX Runtime itself: with its telemetry on it creates
 * $HOME/.cache/Microsoft/DeveloperTools/.onnxruntime (a SQLite database and a device id); the control
 * run below shows that it does here, so the test of the default can fail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { disableOrtTelemetryUnlessSet, ORT_TELEMETRY_VARIABLE } from '../../../src/backends/onnx/telemetry.js';
import { type CliResult, cli, models, photos, shown, tempDir } from '../../cli/run-cli.js';

test('telemetry: set to 1 when unset; any value the user gave is kept', () => {
  const unset: NodeJS.ProcessEnv = {};
  disableOrtTelemetryUnlessSet(unset);
  assert.equal(unset[ORT_TELEMETRY_VARIABLE], '1');
  for (const given of ['0', '', 'true']) {
    const env: NodeJS.ProcessEnv = { [ORT_TELEMETRY_VARIABLE]: given };
    disableOrtTelemetryUnlessSet(env);
    assert.equal(env[ORT_TELEMETRY_VARIABLE], given);
  }
});

test('telemetry: a compare writes nothing under $HOME/.cache unless ORT_DISABLE_TELEMETRY=0 asks for it', async () => {
  const model = models('classifier.onnx');
  const args = ['compare', model, model, join(photos, 'chelsea.jpg'), '--no-progress'];
  const store = (home: string) => join(home, '.cache', 'Microsoft', 'DeveloperTools', '.onnxruntime');
  const quiet = await tempDir('telemetry-default');
  const chosen = await tempDir('telemetry-on');
  try {
    // cli() passes the caller's environment: the variable must be absent for the default to apply.
    const base = { HOME: quiet, XDG_CACHE_HOME: join(quiet, '.cache') };
    const saved = process.env[ORT_TELEMETRY_VARIABLE];
    delete process.env[ORT_TELEMETRY_VARIABLE];
    let r: CliResult;
    try {
      r = await cli(args, base);
    } finally {
      if (saved !== undefined) process.env[ORT_TELEMETRY_VARIABLE] = saved;
    }
    assert.equal(r.code, 0, shown(r));
    assert.equal(existsSync(join(quiet, '.cache', 'Microsoft')), false, 'ONNX Runtime wrote its telemetry store although the user did not ask for it');

    const on = await cli(args, { HOME: chosen, XDG_CACHE_HOME: join(chosen, '.cache'), [ORT_TELEMETRY_VARIABLE]: '0' });
    assert.equal(on.code, 0, shown(on));
    assert.ok(existsSync(store(chosen)), `control: with ${ORT_TELEMETRY_VARIABLE}=0 ONNX Runtime should create ${store(chosen)}`);
  } finally {
    await rm(quiet, { recursive: true, force: true });
    await rm(chosen, { recursive: true, force: true });
  }
});
