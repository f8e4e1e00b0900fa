import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file whether it runs as TypeScript or from dist/. */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'fixtures'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('repository root not found');
    dir = up;
  }
}

export const repoRoot = findRoot();
export const fixture = (...parts: string[]): string => join(repoRoot, 'fixtures', ...parts);
/** The compiled CLI entry point, unbundled (tsc's output). */
export const cliPath = join(repoRoot, 'dist', 'src', 'cli', 'main.js');
/** The `trt-parity` command as installed (package.json "bin"): the bundle scripts/bundle-cli.mjs makes. */
export const binPath = join(repoRoot, 'dist', 'cli', 'trt-parity.js');
