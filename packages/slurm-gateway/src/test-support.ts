// Test helpers: a gateway on the real cluster with a set of tokens (every endpoint, alice only,
// no submit, expired), its audit lines captured, and a job of a user submitted directly.
import { Writable } from 'node:stream';
import { generateCertificate } from '@hpchub/protocol';
import type { Exec } from '@hpchub/slurm';
import { pino } from 'pino';
import { buildGateway } from './app.js';
import { checkConfig } from './config.js';
import { hashToken } from './tokens.js';

export const ALICE = 'hpchub-alice';
export const BOB = 'hpchub-bob';

export const TOKENS = {
  admin: 'admin-token-0123456789abcdef',
  alice: 'alice-token-0123456789abcdef',
  readonly: 'readonly-token-0123456789abcdef',
  expired: 'expired-token-0123456789abcdef',
};

export interface AuditLine {
  who: string | null;
  what: string;
  for: string[];
  job?: string;
  result: 'ok' | 'refused';
  status: number;
  reason?: string;
}

export function testConfig(extra: Record<string, unknown> = {}) {
  return checkConfig({
    listen: '127.0.0.1',
    port: 0,
    min_uid: 1000,
    user_prefix: 'runuser -u {user} --',
    tokens: [
      {
        id: 'admin',
        sha256: hashToken(TOKENS.admin),
        endpoints: ['submit', 'raw_script', 'query', 'list', 'cancel', 'cluster', 'health'],
      },
      {
        id: 'alice-only',
        sha256: hashToken(TOKENS.alice),
        endpoints: ['submit', 'query', 'list', 'cancel', 'cluster', 'health'],
        users: [ALICE],
      },
      { id: 'readonly', sha256: hashToken(TOKENS.readonly), endpoints: ['query', 'cluster', 'health'] },
      {
        id: 'expired',
        sha256: hashToken(TOKENS.expired),
        endpoints: ['submit', 'query', 'cancel', 'cluster', 'health'],
        expires: '2020-01-01T00:00:00Z',
      },
    ],
    ...extra,
  });
}

/** A gateway (not listening unless https is given) whose audit lines are collected. */
export async function testGateway(options: { https?: { cert: string; key: string }; exec?: Exec } = {}) {
  const audit: AuditLine[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) {
        if (!line) continue;
        const parsed = JSON.parse(line) as { audit?: AuditLine };
        if (parsed.audit) audit.push(parsed.audit);
      }
      done();
    },
  });
  const app = await buildGateway({ config: testConfig(), logger: pino({ level: 'info' }, sink), ...options });
  await app.ready();
  return { app, audit };
}

/** A gateway listening on loopback over HTTPS with a fresh self-signed certificate, as hubs reach it. */
export async function listeningGateway() {
  const certificate = generateCertificate({ commonName: 'hpchub-slurm-gateway', altNames: ['127.0.0.1'] });
  const { app, audit } = await testGateway({ https: { cert: certificate.certPem, key: certificate.keyPem } });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('the gateway is not listening');
  return { app, audit, url: `https://127.0.0.1:${address.port}`, fingerprint: certificate.fingerprint };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/** A valid structured submit body for `user`. */
export function submitBody(user: string, extra: Record<string, unknown> = {}) {
  return {
    user,
    partition: 'normal',
    cpus: 1,
    memory_mb: 100,
    time_minutes: 5,
    job_name: 'hpchub-gateway-test',
    output: '.hpchub-gateway-test.log',
    signal_seconds: 0,
    job: {
      hub_url: 'http://127.0.0.1:9/hub/api/agent',
      server_id: 1,
      secret: 'secret-0123456789abcdef',
      spec: {
        app: 'sleep',
        command: ['sleep', '300'],
        env: {},
        listen: 'tcp',
        prefix: '/user/x/',
        prefixMode: 'keep',
        readyPath: '/',
        appAuth: { kind: 'none' },
        startTimeoutSeconds: 60,
        options: {},
      },
      custom_script: '.hpchub/custom.sh',
      modules: [],
      path_prepend: [],
      // A job that ends at once: these tests are about who may submit, not about what runs.
      node_path: '/bin/true',
      agent_path: '/dev/null',
    },
    ...extra,
  };
}
