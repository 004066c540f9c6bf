// The option schema flattened into a list of leaves and sections, with everything derived from
// a key: its environment variable, its flag, and how its type and constraints read to a person.
// docs/config.md, the CLI's help, env/flag parsing and validation messages all use this list.
import { KindGuard, type TSchema } from '@sinclair/typebox';
import { CROSS_RULES, HubConfigSchema } from './options.js';

/** How a value is read from an environment variable or a flag. */
export type OptionKind = 'string' | 'enum' | 'integer' | 'number' | 'boolean' | 'list' | 'json';

export interface OptionInfo {
  /** Dotted path, which is the YAML nesting: `auth.rate_limit.window_seconds`. */
  key: string;
  kind: OptionKind;
  /** The type as docs show it: `integer`, `string`, `boolean`, `list of strings`. */
  type: string;
  default: unknown;
  description: string;
  env: string;
  flag: string;
  /** Restrictions beyond the type, as phrases: `from 1 to 65535`, `one of \`a\`, \`b\``. */
  constraints: string[];
  /** Constraints involving other options (from CROSS_RULES), as sentences. */
  rules: string[];
  /** What a valid value is, as a phrase after "must be": `an integer from 1 to 65535`. */
  expected: string;
  schema: TSchema;
}

export interface SectionInfo {
  key: string;
  description: string;
}

/** `auth.rate_limit.lockout_seconds` → `HPCHUB_AUTH_RATE_LIMIT_LOCKOUT_SECONDS`. */
export const envName = (key: string): string => `HPCHUB_${key.toUpperCase().replaceAll('.', '_')}`;

/** `data_dir` → `--data-dir`. */
export const flagName = (key: string): string => `--${key.replace(/[._]/g, '-')}`;

function range(min: unknown, max: unknown): string | undefined {
  if (typeof min === 'number' && typeof max === 'number') return `from ${min} to ${max}`;
  if (typeof min === 'number') return `at least ${min}`;
  if (typeof max === 'number') return `at most ${max}`;
  return undefined;
}

type Shape = Pick<OptionInfo, 'kind' | 'type' | 'constraints' | 'expected'>;

function shape(key: string, schema: TSchema): Shape {
  if (KindGuard.IsInteger(schema) || KindGuard.IsNumber(schema)) {
    const noun = KindGuard.IsInteger(schema) ? 'integer' : 'number';
    const r = range(schema.minimum, schema.maximum);
    return {
      kind: noun,
      type: noun,
      constraints: r ? [r] : [],
      expected: `${noun === 'integer' ? 'an integer' : 'a number'}${r ? (r.startsWith('from') ? ` ${r}` : ` of ${r}`) : ''}`,
    };
  }
  if (KindGuard.IsBoolean(schema)) {
    return { kind: 'boolean', type: 'boolean', constraints: [], expected: 'true or false' };
  }
  if (KindGuard.IsUnion(schema) && schema.anyOf.every((s) => KindGuard.IsLiteralString(s))) {
    const values = schema.anyOf.map((s) => String(s.const));
    return {
      kind: 'enum',
      type: 'string',
      constraints: [`one of ${values.map((v) => `\`${v}\``).join(', ')}`],
      expected: `one of ${values.join(', ')}`,
    };
  }
  if (KindGuard.IsString(schema)) {
    if (schema.pattern !== undefined) {
      if (typeof schema.errorMessage !== 'string') {
        throw new Error(`config option ${key}: a pattern needs an errorMessage`);
      }
      return {
        kind: 'string',
        type: 'string',
        constraints: [schema.errorMessage],
        expected: schema.errorMessage,
      };
    }
    const nonEmpty = (schema.minLength ?? 0) > 0;
    return {
      kind: 'string',
      type: 'string',
      constraints: nonEmpty ? ['not empty'] : [],
      expected: nonEmpty ? 'a non-empty string' : 'a string',
    };
  }
  if (KindGuard.IsArray(schema) && KindGuard.IsString(schema.items)) {
    // A list whose entries have a syntax says which, like a string with a pattern.
    const entry = schema.items.pattern !== undefined ? shape(key, schema.items).expected : undefined;
    return {
      kind: 'list',
      type: 'list of strings',
      constraints: entry ? [`each entry ${entry}`] : [],
      expected: entry ? `a list whose entries are each ${entry}` : 'a list of non-empty strings',
    };
  }
  if (KindGuard.IsArray(schema) && KindGuard.IsObject(schema.items)) {
    // A list of entries with fields of their own (`services`): YAML in the file, JSON elsewhere.
    const fields = Object.keys(schema.items.properties).join(', ');
    return {
      kind: 'json',
      type: `list of objects (${fields}); JSON in the environment and flags`,
      constraints: [],
      expected: `a list of objects with the fields ${fields}`,
    };
  }
  throw new Error(`config option ${key}: describe.ts does not know how to read this kind of value`);
}

function walk(schema: TSchema, prefix: string, options: OptionInfo[], sections: SectionInfo[]): void {
  for (const [name, child] of Object.entries(KindGuard.IsObject(schema) ? schema.properties : {})) {
    const key = prefix === '' ? name : `${prefix}.${name}`;
    if (KindGuard.IsObject(child)) {
      sections.push({ key, description: child.description ?? '' });
      walk(child, key, options, sections);
      continue;
    }
    options.push({
      key,
      ...shape(key, child),
      default: child.default,
      description: child.description ?? '',
      env: envName(key),
      flag: flagName(key),
      rules: CROSS_RULES.filter((r) => r.keys.includes(key)).map((r) => r.description),
      schema: child,
    });
  }
}

const options: OptionInfo[] = [];
const sections: SectionInfo[] = [];
walk(HubConfigSchema, '', options, sections);

/** Every option, in declaration order. */
export const OPTIONS: readonly OptionInfo[] = options;
/** Every section (nested object), in declaration order. */
export const SECTIONS: readonly SectionInfo[] = sections;

export const OPTION_BY_KEY: ReadonlyMap<string, OptionInfo> = new Map(options.map((o) => [o.key, o]));
export const OPTION_BY_ENV: ReadonlyMap<string, OptionInfo> = new Map(options.map((o) => [o.env, o]));
export const OPTION_BY_FLAG: ReadonlyMap<string, OptionInfo> = new Map(options.map((o) => [o.flag, o]));
export const SECTION_KEYS: ReadonlySet<string> = new Set(sections.map((s) => s.key));

/** A fresh object holding every default. */
export function defaultValues(): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const o of options) setPath(root, o.key, structuredClone(o.default));
  return root;
}

/** Sets a dotted key in a nested object, creating the sections on the way. */
export function setPath(root: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  const last = parts.pop() as string;
  let node = root;
  for (const part of parts) {
    node[part] ??= {};
    node = node[part] as Record<string, unknown>;
  }
  node[last] = value;
}
