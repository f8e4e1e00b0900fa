/**
 * Which preprocessing a run uses, decided once before any backend opens: what the user gave, else what
 * a saved run recorded (its inputs were made that way), else what an exported model asks for (an
 * Ultralytics export letterboxes), else the defaults. A saved run made with another pipeline than the
 * one given is refused: its outputs belong to other tensors.
 */
import { hintsPreprocess, type PreprocessHint } from '../backends/backend.js';
import { providerFor } from '../backends/registry.js';
import { checkReplayPipeline, type PipelineName, type PreprocessSpec, type PreprocessSpecInput, resolvePreprocessSpec } from '../image/preprocess-spec.js';

export interface PreprocessChoice {
  readonly spec: PreprocessSpec;
  /** Why the pipeline is not the one given or the default, for the report; null when it is. */
  readonly note: string | null;
}

/**
 * @param paths The backends' paths (models, engines, saved runs), in command-line order.
 * @throws UsageError for invalid options or a saved run made with another pipeline than the one given.
 */
export async function choosePreprocess(given: PreprocessSpecInput, paths: readonly string[]): Promise<PreprocessChoice> {
  // Validates everything the user gave, whatever the files say.
  const asGiven = resolvePreprocessSpec(given);
  const hints: (PreprocessHint & { path: string })[] = [];
  for (const path of paths) {
    // A path that cannot be read or parsed here fails with its own message when it is opened.
    const provider = await providerFor(path).catch(() => null);
    if (provider === null || !hintsPreprocess(provider)) continue;
    const hint = await provider.preprocessHint(path).catch(() => null);
    if (hint !== null) hints.push({ ...hint, path });
  }
  const binding = hints.filter((h) => h.binding);
  if (given.pipeline !== undefined) {
    for (const h of binding) checkReplayPipeline(h.path, h.pipeline, asGiven.pipeline);
    return { spec: asGiven, note: null };
  }
  const chosen = binding[0] ?? hints[0];
  if (chosen === undefined || chosen.pipeline === asGiven.pipeline) return { spec: asGiven, note: null };
  const spec = resolvePreprocessSpec({ ...given, pipeline: chosen.pipeline as PipelineName });
  // Two saved runs made with different pipelines cannot both be replayed on the same images.
  for (const h of binding) checkReplayPipeline(h.path, h.pipeline, spec.pipeline);
  return { spec, note: `--pipeline ${spec.pipeline} taken from ${chosen.from}` };
}
