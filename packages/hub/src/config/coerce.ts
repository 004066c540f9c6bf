// Reading the text of an environment variable or a flag as a value of the option's type. Only the
// type is settled here; ranges, enums and patterns are checked by the schema like any other value.
import type { OptionInfo } from './describe.js';
import { addValue, type Layer, show } from './layer.js';

const BOOLEANS: Record<string, boolean> = {
  true: true,
  yes: true,
  '1': true,
  false: false,
  no: false,
  '0': false,
};

/** The typed value, or undefined when the text is not of the option's type. */
export function coerce(option: OptionInfo, raw: string): unknown {
  const text = raw.trim();
  switch (option.kind) {
    case 'string':
    case 'enum':
      return raw;
    case 'integer':
      return /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
    case 'number':
      return text !== '' && Number.isFinite(Number(text)) ? Number(text) : undefined;
    case 'boolean':
      return BOOLEANS[text.toLowerCase()];
    case 'json':
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return undefined;
      }
    case 'list':
      return text === ''
        ? []
        : text
            .split(',')
            .map((item) => item.trim())
            .filter((item) => item !== '');
  }
}

/** Adds the coerced and checked value to `layer`, or a problem saying what the text should have been. */
export function addText(layer: Layer, option: OptionInfo, raw: string, source: string): void {
  const value = coerce(option, raw);
  if (value === undefined) {
    layer.problems.push({ key: option.key, source, message: `must be ${option.expected}; got ${show(raw)}` });
  } else {
    addValue(layer, option, value, source);
  }
}
