// Settings from environment variables (HPCHUB_…) and command-line flags (--…), one for every
// option, named after its key (see describe.ts).
import { addText } from './coerce.js';
import { OPTION_BY_ENV, OPTION_BY_FLAG, OPTIONS } from './describe.js';
import { emptyLayer, type Layer } from './layer.js';
import { closest } from './suggest.js';

/** Environment variable naming the YAML file. */
export const CONFIG_ENV = 'HPCHUB_CONFIG';

/**
 * Secrets that may come from the environment instead of a file. They are not settings: a setting's
 * value is shown by `hpchub config`, a secret never is.
 */
export const SECRET_ENV = {
  oidcClientSecret: 'HPCHUB_OIDC_CLIENT_SECRET',
  ldapBindPassword: 'HPCHUB_LDAP_BIND_PASSWORD',
} as const;

/** `HPCHUB_*` variables that are not settings and are not warned about. */
const isReservedEnv = (name: string): boolean =>
  name === CONFIG_ENV || name.startsWith('HPCHUB_TEST_') || Object.values<string>(SECRET_ENV).includes(name);

export type Env = Record<string, string | undefined>;

/** The values node:util parseArgs returns. */
export type ParsedFlags = Record<string, string | boolean | (string | boolean)[] | undefined>;

/**
 * The `options` for node:util parseArgs that accept every setting as a flag (`--data-dir`, …)
 * plus `--config <file>`. All are strings; flagOverrides reads them by the option's type.
 */
export function configFlagOptions(): Record<string, { type: 'string' }> {
  const names = ['config', ...OPTIONS.map((o) => o.flag.slice(2))];
  return Object.fromEntries(names.map((name) => [name, { type: 'string' as const }]));
}

/** Settings from HPCHUB_* variables; unknown ones become warnings, since a shell may set them for other tools. */
export function envOverrides(env: Env): Layer {
  const layer = emptyLayer();
  const names = Object.keys(env)
    .filter((name) => name.startsWith('HPCHUB_') && !isReservedEnv(name))
    .sort();
  for (const name of names) {
    const raw = env[name];
    if (raw === undefined) continue;
    const option = OPTION_BY_ENV.get(name);
    if (option === undefined) {
      const guess = closest(name, OPTION_BY_ENV.keys());
      layer.warnings.push(
        `${name} is not a hub setting and is ignored${guess ? `; did you mean ${guess}?` : '.'}`,
      );
      continue;
    }
    addText(layer, option, raw, `env ${name}`);
  }
  return layer;
}

/**
 * Settings from the values parseArgs returned for configFlagOptions(). Names that are not
 * settings (`config`, or other options of the same command) are left alone: parseArgs in strict
 * mode has already rejected flags nobody declared.
 */
export function flagOverrides(values: ParsedFlags): Layer {
  const layer = emptyLayer();
  for (const [name, value] of Object.entries(values)) {
    const option = OPTION_BY_FLAG.get(`--${name}`);
    if (option === undefined || value === undefined) continue;
    const last = Array.isArray(value) ? value.at(-1) : value;
    if (last === undefined) continue;
    addText(layer, option, String(last), `flag ${option.flag}`);
  }
  return layer;
}
