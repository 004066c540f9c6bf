// The gateway's configuration: one YAML file (plus a few flags in main.ts), validated strictly
// with every problem listed at once. Tokens are stored only as SHA-256 hashes, each with the
// endpoints it may call and, optionally, the users it may act for.
import { readFileSync } from 'node:fs';
import { type Static, Type } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { parse } from 'yaml';

/**
 * What a token may be allowed to do; `raw_script` additionally allows POST /v1/jobs/raw, `list`
 * is GET /v1/jobs (a user's waiting and running jobs with their comments).
 */
export const ENDPOINTS = ['submit', 'raw_script', 'query', 'list', 'cancel', 'cluster', 'health'] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

const NAME = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$';

export const TokenConfigSchema = Type.Object(
  {
    id: Type.String({ pattern: NAME, description: 'Who the token is, in the audit log.' }),
    sha256: Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Hex SHA-256 of the token.' }),
    endpoints: Type.Array(Type.Union(ENDPOINTS.map((e) => Type.Literal(e))), { minItems: 1 }),
    users: Type.Optional(Type.Array(Type.String({ pattern: NAME }), { minItems: 1 })),
    expires: Type.Optional(
      Type.String({
        pattern: '^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d(:\\d\\d)?(\\.\\d+)?(Z|[+-]\\d\\d:\\d\\d)$',
        description: 'When the token stops working (ISO 8601 with a time zone).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const GatewayConfigSchema = Type.Object(
  {
    listen: Type.String({ default: '127.0.0.1', minLength: 1 }),
    port: Type.Integer({ minimum: 0, maximum: 65535, default: 8443 }),
    tls_cert: Type.String({ default: '' }),
    tls_key: Type.String({ default: '' }),
    /** Accounts with a lower uid (root, system users) are never acted for. */
    min_uid: Type.Integer({ minimum: 1, default: 1000 }),
    /** …nor accounts above this uid (Debian's static system range starts at 60000; nobody is 65534). */
    max_uid: Type.Integer({ minimum: 1, default: 59999 }),
    /** Partitions jobs may go to; empty: every partition Slurm knows. */
    partitions: Type.Array(Type.String({ pattern: NAME }), { default: [] }),
    /** How Slurm commands run as a user; empty: runuser as root, sudo otherwise. */
    user_prefix: Type.String({ default: '' }),
    bin_dir: Type.String({ default: '' }),
    command_timeout_seconds: Type.Integer({ minimum: 1, maximum: 600, default: 30 }),
    tokens: Type.Array(TokenConfigSchema, { default: [] }),
  },
  { additionalProperties: false },
);

export type GatewayConfig = Static<typeof GatewayConfigSchema>;
export type TokenConfig = Static<typeof TokenConfigSchema>;

export class ConfigError extends Error {}

/** Validates a parsed configuration; throws one ConfigError listing every problem. */
export function checkConfig(raw: unknown): GatewayConfig {
  const withDefaults = Value.Default(GatewayConfigSchema, structuredClone(raw ?? {}));
  const problems = [...Value.Errors(GatewayConfigSchema, withDefaults)].map(
    (e) => `${e.path || '/'}: ${e.message}`,
  );
  const config = withDefaults as GatewayConfig;
  if (problems.length === 0) {
    const ids = new Set<string>();
    for (const t of config.tokens) {
      if (ids.has(t.id)) problems.push(`/tokens: the id ${t.id} is used twice`);
      ids.add(t.id);
      if (t.expires !== undefined && Number.isNaN(Date.parse(t.expires)))
        problems.push(`/tokens/${t.id}/expires: not a date`);
    }
    if ((config.tls_cert === '') !== (config.tls_key === ''))
      problems.push('/tls_cert, /tls_key: give both, or neither for a generated certificate');
  }
  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  return config;
}

export function loadConfig(path: string): GatewayConfig {
  return checkConfig(parse(readFileSync(path, 'utf8')));
}
