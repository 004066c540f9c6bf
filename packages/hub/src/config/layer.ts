// What each source of settings (file, environment, flags) contributes before merging, and the
// one place where a value is checked against its option's schema.
import { Value } from '@sinclair/typebox/value';
import type { ConfigProblem } from './config-error.js';
import type { OptionInfo } from './describe.js';

/** One valid value for one key, from one source. */
export interface Override {
  key: string;
  value: unknown;
  /** `hub.yaml:12`, `env HPCHUB_PORT` or `flag --port`. */
  source: string;
}

export interface Layer {
  overrides: Override[];
  problems: ConfigProblem[];
  warnings: string[];
}

export const emptyLayer = (): Layer => ({ overrides: [], problems: [], warnings: [] });

/** How a value shows in a message: JSON, so that strings are visibly quoted, cut when long. */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Adds `value` to `layer` if the option's schema accepts it, else a problem. Every source's value
 * is checked, even one a later source overrides: it is still a mistake to fix.
 */
export function addValue(layer: Layer, option: OptionInfo, value: unknown, source: string): void {
  if (Value.Check(option.schema, value)) {
    layer.overrides.push({ key: option.key, value, source });
  } else {
    layer.problems.push({
      key: option.key,
      source,
      message: `must be ${option.expected}; got ${show(value)}`,
    });
  }
}
