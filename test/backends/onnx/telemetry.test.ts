/**
 * ONNX Runtime's telemetry is off unless the user chose (src/backends/onnx/telemetry.ts). The
 * oracle is ONNX Runtime itself: with its telemetry on it creates
 * $HOME/.cache/Microsoft/DeveloperTools/.onnxruntime (a SQLite database and a device id); the control
 * run below shows that it does here, so the test of the default can fail.
 *
 * ONNX Runtime also stays silent by itself when it sees a CI system's variable (its library holds CI,
 * TF_BUILD, GITHUB_ACTIONS, GITLAB_CI, CIRCLECI, TRAVIS, JENKINS_URL, CODEBUILD_BUILD_ID, BUILDKITE,
 * TEAMCITY_VERSION, APPVEYOR, BITBUCKET_BUILD_NUMBER, SYSTEM_TEAMFOUNDATIONCOLLECTIONURI; each checked
 * one by one against onnxruntime-node 1.30 here), so both runs go without them: otherwise the control
 * writes nothing on a CI machine and the default's check proves nothing there.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { disableOrtTelemetryUnlessSet, ORT_TELEMETRY_VARIABLE } from '../../../src/backends/onnx/telemetry.js';
import { type CliResult, cli, models, photos, shown, tempDir } from '../../cli/run-cli.js';

const ORT_CI_VARIABLES = [
  'CI', 'TF_BUILD', 'GITHUB_ACTIONS', 'GITLAB_CI', 'CIRCLECI', 'TRAVIS', 'JENKINS_URL', 'CODEBUILD_BUILD_ID',
  'BUILDKITE', 'TEAMCITY_VERSION', 'APPVEYOR', 'BITBUCKET_BUILD_NUMBER', 'SYSTEM_TEAMFOUNDATIONCOLLECTIONURI',
];

/** Runs the command with `names` absent from the environment it inherits (cli() copies process.env). */
async function cliWithout(names: readonly string[], args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  const saved = new Map(names.map((n) => [n, process.env[n]] as const));
  for (const n of names) delete process.env[n];
  try {
    return await cli(args, env);
  } finally {
    for (const [n, v] of saved) if (v !== undefined) process.env[n] = v;
  }
}

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
    // The variable must be absent for the default to apply.
    const r = await cliWithout([ORT_TELEMETRY_VARIABLE, ...ORT_CI_VARIABLES], args, { HOME: quiet, XDG_CACHE_HOME: join(quiet, '.cache') });
    assert.equal(r.code, 0, shown(r));
    assert.equal(existsSync(join(quiet, '.cache', 'Microsoft')), false, 'ONNX Runtime wrote its telemetry store although the user did not ask for it');

    const on = await cliWithout(ORT_CI_VARIABLES, args, { HOME: chosen, XDG_CACHE_HOME: join(chosen, '.cache'), [ORT_TELEMETRY_VARIABLE]: '0' });
    assert.equal(on.code, 0, shown(on));
    assert.ok(existsSync(store(chosen)), `control: with ${ORT_TELEMETRY_VARIABLE}=0 ONNX Runtime should create ${store(chosen)}`);
  } finally {
    await rm(quiet, { recursive: true, force: true });
    await rm(chosen, { recursive: true, force: true });
  }
});
