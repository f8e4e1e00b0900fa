/**
 * Saved runs (`--save-outputs DIR`) as the registry knows them: a directory with a manifest, replayed
 * by key. The replay itself is imported when first opened (issue 14: loading the registry costs no
 * backend code).
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendProvider, PreprocessHinter } from '../backend.js';
import { MANIFEST_FILE, readManifest } from './manifest.js';

export const savedProvider: BackendProvider & PreprocessHinter = {
  name: 'saved',
  label: 'saved run',
  accepts: 'a directory written by --save-outputs',
  runsModels: false,
  async claims(path, isDirectory) {
    if (!isDirectory) return false;
    try {
      await stat(join(path, MANIFEST_FILE));
      return true;
    } catch {
      return false;
    }
  },
  directoryRefusal: `is a directory without ${MANIFEST_FILE}, so not a run written by --save-outputs`,
  open: async (path) => (await import('./saved-backend.js')).SavedBackend.open(path),
  optionGroup: { title: 'saved-run options', options: [] },
  async preprocessHint(path) {
    const pipeline = (await readManifest(path)).preprocess?.pipeline;
    return pipeline === undefined ? null : { pipeline, binding: true, from: `the saved run ${path}` };
  },
};
