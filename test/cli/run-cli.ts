/**
 * Spawning the compiled CLI the way a user runs it: a child process with pipes (so never a TTY),
 * returning its exit code and both streams.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readNpy } from '../../src/tensor/npy.js';
import type { Tensor } from '../../src/tensor/types.js';
import { binPath, fixture } from '../helpers/paths.js';

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The command line, for assertion messages. */
  readonly args: readonly string[];
}

/**
 * Runs `trt-parity ...args` as installed: the bundled command (package.json "bin"); `entry` names
 * another (the unbundled dist/src/cli/main.js). NO_COLOR and TRT_PARITY_DEBUG from the caller's
 * environment are dropped unless given in `env`.
 */
export function cli(args: readonly string[], env: Record<string, string> = {}, entry: string = binPath): Promise<CliResult> {
  const base = { ...process.env };
  delete base['NO_COLOR'];
  delete base['TRT_PARITY_DEBUG'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry, ...args], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, args }));
  });
}

/** A readable failure message: the command and what it printed. */
export function shown(r: CliResult): string {
  return `trt-parity ${r.args.join(' ')}\n--- exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

export const models = (name: string): string => fixture('models', name);
export const photos = fixture('images', 'photos');
export const edge = fixture('images', 'edge');

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `trt-parity-${prefix}-`));
}

/** One tensor of a saved-run directory (--save-inputs / --save-outputs), found through its manifest. */
export async function savedTensor(dir: string, key: string, name: string): Promise<Tensor> {
  const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as { entries: Record<string, { files: Record<string, { path: string }> }> };
  const file = manifest.entries[key]?.files[name];
  if (!file) throw new Error(`${dir}: no saved '${name}' for '${key}'`);
  const path = join(dir, file.path);
  return readNpy(await readFile(path), path);
}

/** The JSON report a run wrote to stdout with --json -. */
export function jsonOf(r: CliResult): any {
  try {
    return JSON.parse(r.stdout);
  } catch (e) {
    throw new Error(`stdout is not JSON (${(e as Error).message})\n${shown(r)}`);
  }
}

export const ANSI = /\x1b\[/;
