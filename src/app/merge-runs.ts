/**
 * `trt-parity merge-runs`: the `--save-outputs` (or `--save-inputs`) folders of the shards of one
 * run made into one saved run, through the saved-run reader and writer (same layout, same journal
 * and atomic writes as a run that saved everything itself). Each entry keeps the input digest and
 * input shapes its shard recorded, so a replay still refuses an input that differs.
 */
import { InputError } from '../errors.js';
import { loadEntry } from '../backends/saved/saved-backend.js';
import { readManifest, type SavedManifest } from '../backends/saved/manifest.js';
import { SavedRunWriter, type SavedRunSummary } from '../backends/saved/saved-writer.js';
import { firstDifference, show } from './merge-reports.js';

/** What must be equal for two saved runs to be shards of one. */
function identity(m: SavedManifest): unknown {
  return { kind: m.kind, producer: m.producer, inputs: m.inputs, outputs: m.outputs, preprocess: m.preprocess ?? null };
}

/**
 * @throws InputError (exit 2) when the folders are not saved runs of one model with one
 * preprocessing (naming what differs), or when one key is in two of them.
 */
export async function mergeRuns(dirs: readonly string[], out: string): Promise<SavedRunSummary> {
  if (dirs.length === 0) throw new InputError(undefined, 'merge-runs: no saved runs given');
  const manifests: SavedManifest[] = [];
  for (const dir of dirs) manifests.push(await readManifest(dir));
  const ref = manifests[0]!;
  for (let i = 1; i < dirs.length; i++) {
    const d = firstDifference(identity(ref), identity(manifests[i]!), '');
    if (d) throw new InputError(dirs[i], `not a shard of the same run as ${dirs[0]}: ${d.path.slice(1)} differs (${show(d.a)} there, ${show(d.b)} here)`);
  }
  const owner = new Map<string, number>();
  manifests.forEach((m, i) => {
    for (const key of Object.keys(m.entries)) {
      const other = owner.get(key);
      if (other !== undefined) throw new InputError(dirs[i], `'${key}' is also saved in ${dirs[other]}; each input must be in one shard only`);
      owner.set(key, i);
    }
  });
  const writer = await SavedRunWriter.create(out, {
    kind: ref.kind, backend: ref.producer.backend, source: ref.producer.source, toolVersion: ref.producer.toolVersion,
    outputs: ref.kind === 'inputs' ? (ref.inputs ?? []) : ref.outputs,
    inputs: ref.inputs,
    ...(ref.preprocess ? { preprocess: ref.preprocess } : {}),
  });
  // Key order, as a single run over all inputs writes them.
  for (const key of [...owner.keys()].sort()) {
    const i = owner.get(key)!;
    const entry = manifests[i]!.entries[key]!;
    await writer.addRecorded(key, await loadEntry(dirs[i]!, entry), { inputDigest: entry.inputDigest, inputs: entry.inputs });
  }
  return writer.close();
}
