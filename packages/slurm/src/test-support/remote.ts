// A SlurmClient served to another process in the slurm-gateway's wire format (HTTPS with a
// pinned self-signed certificate, a bearer token, the gateway's paths and bodies), so that a hub
// in its own process reaches a test's in-memory Slurm (FakeSlurm) through the real
// GatewaySlurmClient, and the cluster outlives the hub: a hub killed and started again finds
// its jobs where it left them, as on a real cluster. Only the wire format is the gateway's: no
// accounts are checked, and every job is rendered with the one `home` given.
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import {
  renderBatchScript,
  SLURM_NOT_REACHED,
  type SlurmClient,
  SlurmError,
  type SlurmJobRequest,
} from '@hpchub/slurm';

export interface SlurmBridgeOptions {
  /** The TLS certificate and key to serve (a self-signed one: clients pin its fingerprint). */
  certPem: string;
  keyPem: string;
  /** The bearer token clients must send. */
  token: string;
  /** The home directory structured jobs are rendered with. */
  home: string;
}

const STATUS: Record<SlurmError['kind'], number> = { refused: 422, unavailable: 503, failed: 500 };

/** Serves `client` on 127.0.0.1 (a free port); resolves with its https URL and a close(). */
export async function serveSlurm(
  client: SlurmClient,
  options: SlurmBridgeOptions,
): Promise<{ url: string; close(): Promise<void> }> {
  const route = async (method: string, url: URL, body: unknown): Promise<[number, unknown]> => {
    const job = /^\/v1\/jobs\/(\d+)$/.exec(url.pathname)?.[1];
    if (method === 'POST' && url.pathname === '/v1/jobs') {
      const request = body as SlurmJobRequest;
      const script = renderBatchScript(request, options.home);
      return [201, { id: await client.submit({ user: request.user, script }) }];
    }
    if (method === 'POST' && url.pathname === '/v1/jobs/raw')
      return [201, { id: await client.submit(body as { user: string; script: string }) }];
    if (method === 'POST' && url.pathname === '/v1/jobs/query') {
      const answers = await client.query((body as { jobs: { id: string; user: string }[] }).jobs);
      return [200, { answers: [...answers].map(([id, a]) => ({ id, ...a })) }];
    }
    if (method === 'GET' && url.pathname === '/v1/jobs')
      return [200, { jobs: await client.listJobs(url.searchParams.get('user') ?? '') }];
    if (method === 'DELETE' && job) {
      await client.cancel({ id: job, user: url.searchParams.get('user') ?? '' });
      return [204, undefined];
    }
    if (method === 'GET' && url.pathname === '/v1/cluster') return [200, await client.clusterInfo()];
    return [404, { code: 'not_found', message: 'There is no such endpoint.' }];
  };
  const server = https.createServer({ cert: options.certPem, key: options.keyPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const reply = ([status, value]: [number, unknown]) => {
        res.writeHead(status, value === undefined ? {} : { 'content-type': 'application/json' });
        res.end(value === undefined ? undefined : JSON.stringify(value));
      };
      if (req.headers.authorization !== `Bearer ${options.token}`)
        return reply([401, { code: 'unauthorized', message: 'A valid token is needed.' }]);
      const text = Buffer.concat(chunks).toString();
      route(
        req.method ?? 'GET',
        new URL(req.url ?? '/', 'https://bridge'),
        text ? JSON.parse(text) : undefined,
      )
        .then(reply)
        .catch((err: Error) =>
          reply([
            err instanceof SlurmError ? STATUS[err.kind] : 500,
            {
              code: err instanceof SlurmError && err.notSent ? SLURM_NOT_REACHED : 'slurm',
              message: err.message,
            },
          ]),
        );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
