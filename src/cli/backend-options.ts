/**
 * The backend options of a command, built from the registry's option groups: the CLI knows no
 * backend by name. The parsed values land on commander's opts under the camelCase of each long
 * flag, which is the field name the app's BackendOptions use.
 */
import { type Command, Option } from 'commander';
import type { OptionSpec, Purpose } from '../backends/backend.js';
import { type BackendOptions, optionGroupsFor } from '../backends/registry.js';
import { oneOf, parseNonNegativeInt, parsePositiveInt } from './options.js';

export function addBackendOptions(cmd: Command, purpose: Purpose): Command {
  for (const group of optionGroupsFor(purpose)) {
    for (const spec of group.options) cmd.addOption(toOption(spec).helpGroup(`${group.title}:`));
  }
  return cmd;
}

function toOption(spec: OptionSpec): Option {
  const option = new Option(spec.flags, spec.description);
  const name = spec.flags.split(/[ ,]/)[0]!;
  const v = spec.value;
  if (v === 'non-negative-int') option.argParser(parseNonNegativeInt(name));
  else if (v === 'positive-int') option.argParser(parsePositiveInt(name));
  else if (typeof v === 'object') option.argParser(oneOf(name, v.choices));
  // A switch's `false` default would only print "(default: false)" in help.
  if (spec.default !== undefined && !(spec.value === undefined && spec.default === false)) option.default(spec.default);
  return option;
}

/**
 * The BackendOptions part of commander's opts: every option any group declares, by its attribute
 * name, when present.
 */
export function backendOptionsOf(opts: Record<string, unknown>, purpose: Purpose): BackendOptions {
  const out: Record<string, unknown> = {};
  for (const group of optionGroupsFor(purpose)) {
    for (const spec of group.options) {
      const key = new Option(spec.flags).attributeName();
      if (opts[key] !== undefined) out[key] = opts[key];
    }
  }
  return out as BackendOptions;
}
