// The single declaration of every hub option: key (the YAML nesting), type, default, constraints
// and description. Environment variables, flags, validation, `hpchub config` and docs/config.md
// are all derived from this schema. Each section is declared in its own module under sections/
// (conventions in sections/declare.ts); a new section is a new module there and one line here.
// The order of the keys below is the order of docs/config.md and `hpchub config`.
import { type Static, Type } from '@sinclair/typebox';
import { ApiSection } from './sections/api.js';
import { AppsSection } from './sections/apps.js';
import { AuthSection } from './sections/auth.js';
import { CullerSection } from './sections/culler.js';
import { DbSection } from './sections/db.js';
import { GeneralOptions } from './sections/general.js';
import { LogSection } from './sections/log.js';
import { MetricsSection } from './sections/metrics.js';
import { ModulesSection } from './sections/modules.js';
import { NotebooksSection } from './sections/notebooks.js';
import { PresetsSection } from './sections/presets.js';
import { ProxySection } from './sections/proxy.js';
import { ServicesOption } from './sections/services.js';
import { SessionSection } from './sections/session.js';
import { SiteSection } from './sections/site.js';
import { SlurmSection } from './sections/slurm.js';
import { SpawnerSection } from './sections/spawner.js';
import { TlsSection } from './sections/tls.js';
import { TokensSection } from './sections/tokens.js';
import { UsageSection } from './sections/usage.js';
import { parseAppDefaults, parseGroupPartitions, parsePartitionLimits } from './slurm-lists.js';
import { parseExtraParams, parseValueMap } from './sso-lists.js';
import { isTimeZone } from './time-zone.js';

export const HubConfigSchema = Type.Object(
  {
    ...GeneralOptions,
    log: LogSection,
    db: DbSection,
    tls: TlsSection,
    auth: AuthSection,
    session: SessionSection,
    api: ApiSection,
    spawner: SpawnerSection,
    slurm: SlurmSection,
    apps: AppsSection,
    modules: ModulesSection,
    culler: CullerSection,
    presets: PresetsSection,
    notebooks: NotebooksSection,
    services: ServicesOption,
    site: SiteSection,
    tokens: TokensSection,
    proxy: ProxySection,
    usage: UsageSection,
    metrics: MetricsSection,
  },
  { additionalProperties: false },
);

export type HubConfig = Static<typeof HubConfigSchema>;

/**
 * A constraint between several options, which a schema cannot express. `check` runs only when
 * every key in `keys` passed its own validation, and returns one message per offending key.
 */
export interface CrossRule {
  keys: string[];
  /** Shown in docs/config.md under each of `keys`. */
  description: string;
  check(config: HubConfig): { key: string; message: string }[];
}

/** A rule for one `slurm` list with a syntax of its own: every entry that does not parse is reported. */
function listSyntax(
  key: 'partition_limits' | 'group_partitions' | 'app_defaults',
  description: string,
  parse: (entries: readonly string[]) => { problems: string[] },
): CrossRule {
  return {
    keys: [`slurm.${key}`],
    description,
    check: (config) => parse(config.slurm[key]).problems.map((message) => ({ key: `slurm.${key}`, message })),
  };
}

/** A single sign-on list with a syntax of its own: every entry that does not parse is reported. */
function ssoListSyntax(
  key: string,
  description: string,
  parse: (config: HubConfig) => { problems: string[] },
): CrossRule {
  return {
    keys: [key],
    description,
    check: (config) => parse(config).problems.map((message) => ({ key, message })),
  };
}

function regexProblems(key: string, pattern: string): { key: string; message: string }[] {
  try {
    new RegExp(pattern, 'u');
    return [];
  } catch (err) {
    return [{ key, message: `is not a regular expression: ${(err as Error).message}` }];
  }
}

export const CROSS_RULES: CrossRule[] = [
  listSyntax(
    'partition_limits',
    'Each entry is `PARTITION key=value…` with the keys `max_cores`, `max_memory_gb`, `max_gpus`, `max_hours`.',
    parsePartitionLimits,
  ),
  listSyntax('group_partitions', 'Each entry is `GROUP: PARTITION PARTITION…`.', parseGroupPartitions),
  listSyntax(
    'app_defaults',
    'Each entry is `APP key=value…` with the keys `cores`, `memory_gb`, `gpus`, `hours`, `partition`.',
    parseAppDefaults,
  ),
  ssoListSyntax('auth.account_map.table', 'Each entry is `VALUE: NAME`.', (c) =>
    parseValueMap(c.auth.account_map.table),
  ),
  ssoListSyntax('auth.group_map', 'Each entry is `VALUE: GROUP`.', (c) => parseValueMap(c.auth.group_map)),
  ssoListSyntax(
    'auth.oidc.extra_params',
    'Each entry is `NAME=VALUE`, and none sets a parameter the hub sets itself (state, nonce, scope …).',
    (c) => parseExtraParams(c.auth.oidc.extra_params),
  ),
  {
    keys: ['auth.account_map.pattern'],
    description: '`auth.account_map.pattern` is a JavaScript regular expression.',
    check: ({ auth }) => regexProblems('auth.account_map.pattern', auth.account_map.pattern),
  },
  {
    keys: ['auth.oidc.issuer', 'auth.oidc.client_id', 'auth.password_login'],
    description:
      'Single sign-on needs `auth.oidc.client_id`; without `auth.oidc.issuer`, `auth.password_login` must stay on.',
    check: ({ auth }) => {
      if (auth.oidc.issuer !== '' && auth.oidc.client_id === '')
        return [{ key: 'auth.oidc.client_id', message: 'must be set because auth.oidc.issuer is set' }];
      if (auth.oidc.issuer === '' && !auth.password_login)
        return [
          {
            key: 'auth.password_login',
            message: 'cannot be off without auth.oidc.issuer: nobody could sign in',
          },
        ];
      return [];
    },
  },
  {
    keys: ['auth.oidc.authorization_url', 'auth.oidc.token_url', 'auth.oidc.userinfo_url'],
    description:
      'A provider without discovery names `auth.oidc.authorization_url`, `auth.oidc.token_url` and `auth.oidc.userinfo_url` together.',
    check: ({ auth: { oidc } }) => {
      const set = [oidc.authorization_url, oidc.token_url].filter((u) => u !== '').length;
      if (set === 1)
        return [
          {
            key: 'auth.oidc.token_url',
            message: 'and auth.oidc.authorization_url are set together or not at all',
          },
        ];
      if (set === 2 && oidc.userinfo_url === '')
        return [{ key: 'auth.oidc.userinfo_url', message: 'must be set for a provider without discovery' }];
      return [];
    },
  },
  {
    keys: [
      'auth.ldap.url',
      'auth.ldap.bind_dn',
      'auth.ldap.user_base',
      'auth.ldap.user_dn_template',
      'auth.ldap.start_tls',
    ],
    description:
      'The `ldap` authenticator needs `auth.ldap.url`, and either `auth.ldap.bind_dn` with `auth.ldap.user_base` ' +
      '(search-then-bind) or `auth.ldap.user_dn_template` (direct bind); a plain `ldap://` URL to another ' +
      'machine needs `auth.ldap.start_tls`, so that passwords never cross the network in clear.',
    check: ({ auth }) => {
      if (auth.authenticator !== 'ldap') return [];
      const { ldap } = auth;
      if (ldap.url === '')
        return [{ key: 'auth.ldap.url', message: 'must be set for the ldap authenticator' }];
      const out: { key: string; message: string }[] = [];
      if (ldap.bind_dn === '' && ldap.user_dn_template === '')
        out.push({ key: 'auth.ldap.user_dn_template', message: 'or auth.ldap.bind_dn must be set' });
      if (ldap.bind_dn !== '' && ldap.user_base === '')
        out.push({ key: 'auth.ldap.user_base', message: 'must be set because auth.ldap.bind_dn is set' });
      const url = /^ldap:\/\/([^/:]+)/.exec(ldap.url);
      if (url && !ldap.start_tls && !['127.0.0.1', 'localhost', '[::1]'].includes(url[1] as string))
        out.push({
          key: 'auth.ldap.start_tls',
          message: 'must be on for a plain ldap:// URL to another machine',
        });
      return out;
    },
  },
  {
    keys: ['modules.pattern'],
    description: '`modules.pattern` is a JavaScript regular expression.',
    check: ({ modules }) => regexProblems('modules.pattern', modules.pattern),
  },
  {
    keys: ['usage.time_zone'],
    description: '`usage.time_zone` is empty or a time zone name the runtime knows.',
    check: ({ usage }) =>
      usage.time_zone === '' || isTimeZone(usage.time_zone)
        ? []
        : [{ key: 'usage.time_zone', message: `is not a known time zone: ${usage.time_zone}` }],
  },
  {
    keys: ['tls.cert', 'tls.key'],
    description: '`tls.cert` and `tls.key` are set together or not at all.',
    check: ({ tls }) => {
      if (tls.cert !== '' && tls.key === '')
        return [{ key: 'tls.key', message: 'must be set because tls.cert is set' }];
      if (tls.key !== '' && tls.cert === '')
        return [{ key: 'tls.cert', message: 'must be set because tls.key is set' }];
      return [];
    },
  },
  {
    keys: ['api.page_default_limit', 'api.page_max_limit'],
    description: '`api.page_default_limit` must not exceed `api.page_max_limit`.',
    check: ({ api }) =>
      api.page_default_limit > api.page_max_limit
        ? [
            {
              key: 'api.page_default_limit',
              message: `must not exceed api.page_max_limit (${api.page_max_limit}); got ${api.page_default_limit}`,
            },
          ]
        : [],
  },
];
