/** Saved runs (`--save-outputs DIR`) as the registry knows them: a directory with a manifest, replayed by key. */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackendProvider } from '../backend.js';
import { MANIFEST_FILE } from './manifest.js';
import { SavedBackend } from './saved-backend.js';

export const savedProvider: BackendProvider = {
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
  open: (path) => SavedBackend.open(path),
  optionGroup: { title: 'saved-run options', options: [] },
};
