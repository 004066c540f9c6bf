// Loading the hub configuration: defaults < YAML file < environment < flags, each source's values
// already checked against their option's schema, then the rules between options. All problems are
// collected and thrown together as one ConfigError. Synchronous: it runs once, before anything starts.
import { join, resolve } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { ConfigError, type ConfigProblem } from './config-error.js';
import { defaultValues, setPath } from './describe.js';
import { CONFIG_ENV, type Env, envOverrides, flagOverrides, type ParsedFlags } from './env-flags.js';
import type { Layer } from './layer.js';
import { CROSS_RULES, type HubConfig, HubConfigSchema } from './options.js';
import { fileOverrides } from './yaml-file.js';

export interface LoadOptions {
  /** Path of the YAML file; takes precedence over `--config` and HPCHUB_CONFIG. */
  file?: string;
  /** Environment variables; defaults to process.env (pass `{}` in tests). */
  env?: Env;
  /** Values from node:util parseArgs with configFlagOptions(); names that are not settings are ignored. */
  flags?: ParsedFlags;
  /** Directory relative paths (the file, `data_dir`) are resolved against; defaults to process.cwd(). */
  cwd?: string;
}

export interface LoadedConfig {
  config: HubConfig;
  /** Things that are not errors but look like mistakes (an unknown HPCHUB_* variable). */
  warnings: string[];
  /** Where each key that is not at its default got its value: `hub.yaml:12`, `env HPCHUB_PORT`, `flag --port`. */
  sources: Record<string, string>;
  /** Absolute path of the YAML file read, if any. */
  file: string | undefined;
}

/** Where the file path comes from: the caller, then `--config`, then HPCHUB_CONFIG; none means no file. */
function locateFile(
  options: LoadOptions,
  env: Env,
  flags: ParsedFlags,
): { path: string; origin: string } | undefined {
  if (options.file !== undefined) return { path: options.file, origin: 'file option' };
  const flag = flags.config;
  if (typeof flag === 'string') return { path: flag, origin: 'flag --config' };
  const fromEnv = env[CONFIG_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return { path: fromEnv, origin: `env ${CONFIG_ENV}` };
  return undefined;
}

/** Reads, merges and validates the configuration; throws ConfigError listing every problem. */
export function loadConfig(options: LoadOptions = {}): LoadedConfig {
  const env = options.env ?? process.env;
  const flags = options.flags ?? {};
  const cwd = options.cwd ?? process.cwd();

  const located = locateFile(options, env, flags);
  const file = located && resolve(cwd, located.path);
  const layers: Layer[] = [];
  if (located && file) layers.push(fileOverrides(file, located.path, located.origin));
  layers.push(envOverrides(env), flagOverrides(flags));

  const problems: ConfigProblem[] = [];
  const warnings: string[] = [];
  const invalid = new Set<string>();
  const sources = new Map<string, string>();
  const merged = defaultValues();
  for (const layer of layers) {
    problems.push(...layer.problems);
    warnings.push(...layer.warnings);
    for (const p of layer.problems) invalid.add(p.key);
    for (const { key, value, source } of layer.overrides) {
      setPath(merged, key, value);
      sources.set(key, source);
    }
  }

  const config = merged as HubConfig;
  for (const rule of CROSS_RULES) {
    // A rule about a value that is already wrong would only repeat the problem.
    if (rule.keys.some((key) => invalid.has(key))) continue;
    for (const { key, message } of rule.check(config)) {
      const others = rule.keys
        .filter((k) => k !== key && sources.has(k))
        .map((k) => `${k} from ${sources.get(k)}`);
      const origin = others.length > 0 ? ` (${others.join(', ')})` : '';
      problems.push({ key, source: sources.get(key) ?? 'default', message: `${message}${origin}` });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  if (!Value.Check(HubConfigSchema, config)) {
    throw new Error('config: the merged configuration does not match HubConfigSchema (a bug in config/)');
  }

  config.data_dir = resolve(cwd, config.data_dir);
  if (config.db.url === '') config.db.url = `sqlite:${join(config.data_dir, 'hpchub.sqlite')}`;
  return { config, warnings, sources: Object.fromEntries(sources), file };
}
