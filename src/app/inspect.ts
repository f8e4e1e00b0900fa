/** `inspect` as a library function: what a model or engine file holds, as a report. */
import { canInspect } from '../backends/backend.js';
import { acceptedList, BACKENDS, type BackendOptions, providerFor } from '../backends/registry.js';
import { UsageError } from '../errors.js';
import type { InspectReport } from '../report/model/inspect.js';

/**
 * Describes `path` with the backend that claims it.
 * @throws UsageError for a path whose backend cannot inspect (a saved run); InputError for an unreadable file.
 */
export async function inspect(path: string, options: BackendOptions = {}): Promise<InspectReport> {
  const provider = await providerFor(path);
  if (!canInspect<BackendOptions, InspectReport>(provider)) {
    throw new UsageError(`${path} is a ${provider.label}; inspect takes ${acceptedList(BACKENDS.filter((p) => canInspect(p)))}`);
  }
  return provider.inspect(path, options);
}
