/**
 * Runs the compiled CLI (`entry`: the unbundled dist/src/cli/main.js unless given) with
 * test/helpers/module-log.ts preloaded and returns what it loaded, as paths relative to the
 * repository root ('dist/src/cli/main.js', 'dist/cli/chunk-….js', 'node_modules/sharp/…') or as
 * 'node:…' builtins.
 */
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { cliPath, repoRoot } from '../helpers/paths.js';
import { tempDir, type CliResult } from './run-cli.js';

const preload = pathToFileURL(join(repoRoot, 'dist', 'test', 'helpers', 'module-log.js')).href;

export async function loadedModules(args: readonly string[], entry: string = cliPath): Promise<{ run: CliResult; modules: Set<string> }> {
  const dir = await tempDir('modules');
  const log = join(dir, 'modules.txt');
  const run = await new Promise<CliResult>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', preload, entry, ...args], {
      env: { ...process.env, TRT_PARITY_MODULE_LOG: log },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, args }));
  });
  const root = `${pathToFileURL(repoRoot).href}/`;
  const text = await readFile(log, 'utf8').catch(() => '');
  await rm(dir, { recursive: true, force: true });
  const modules = new Set(text.split('\n').filter((l) => l !== '').map((u) => (u.startsWith(root) ? u.slice(root.length) : u)));
  return { run, modules };
}
