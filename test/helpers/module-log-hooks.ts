/**
 * Loader hooks for module-log.ts: every module the ESM loader loads (our .js files, packages
 * imported from ESM, node: builtins) is appended, one URL a line, to the file named by
 * TRT_PARITY_MODULE_LOG. Hooks run on their own thread, so they write to the file, not to a stream.
 */
import { appendFileSync } from 'node:fs';

interface LoadContext {
  readonly format?: string | null;
}
type NextLoad = (url: string, context: LoadContext) => Promise<unknown>;

export async function load(url: string, context: LoadContext, next: NextLoad): Promise<unknown> {
  const file = process.env['TRT_PARITY_MODULE_LOG'];
  if (file) appendFileSync(file, `${url}\n`);
  return next(url, context);
}
