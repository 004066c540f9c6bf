// A SlurmClient served over loopback HTTP, so that a hub in another process can use a test's
// in-memory Slurm (FakeSlurm) and the cluster outlives the hub: a hub killed and started again
// finds its jobs where it left them, as it would on a real cluster. The client keeps the
// contract: an unreachable bridge makes queries 'unknown' and the other calls 'unavailable'.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ClusterInfo, type JobAnswer, type JobRef, type SlurmClient, SlurmError } from '@hpchub/slurm';

interface Failure {
  error: { kind: SlurmError['kind']; message: string };
}

/** Serves `client` on 127.0.0.1 (a free port); resolves with its URL and a close(). */
export async function serveSlurm(client: SlurmClient): Promise<{ url: string; close(): Promise<void> }> {
  const calls: Record<string, (body: never) => Promise<unknown>> = {
    submit: (body: { user: string; script: string }) => client.submit(body).then((id) => ({ id })),
    query: async (body: { jobs: JobRef[] }) => [...(await client.query(body.jobs))],
    cancel: (body: { job: JobRef }) => client.cancel(body.job).then(() => ({})),
    cluster: () => client.clusterInfo(),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call = calls[(req.url ?? '').slice(1)];
      const reply = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (!call) return reply(404, { error: { kind: 'failed', message: 'no such call' } });
      call(JSON.parse(Buffer.concat(chunks).toString() || '{}') as never).then(
        (value) => reply(200, value),
        (err: Error) =>
          reply(502, {
            error: { kind: err instanceof SlurmError ? err.kind : 'failed', message: err.message },
          } satisfies Failure),
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The client side, for the hub's process. */
export class RemoteSlurmClient implements SlurmClient {
  constructor(private readonly url: string) {}

  private async call<T>(name: string, body: unknown): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.url}/${name}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (err) {
      throw new SlurmError('unavailable', `the Slurm bridge does not answer: ${(err as Error).message}`);
    }
    const value = (await res.json()) as T | Failure;
    if (res.ok) return value as T;
    const { kind, message } = (value as Failure).error;
    throw new SlurmError(kind, message);
  }

  async submit(request: { user: string; script: string }): Promise<string> {
    return (await this.call<{ id: string }>('submit', { user: request.user, script: request.script })).id;
  }

  async query(jobs: JobRef[]): Promise<Map<string, JobAnswer>> {
    try {
      return new Map(await this.call<[string, JobAnswer][]>('query', { jobs }));
    } catch (err) {
      const detail = (err as Error).message;
      return new Map(jobs.map((job) => [job.id, { kind: 'unknown', detail }]));
    }
  }

  async cancel(job: JobRef): Promise<void> {
    await this.call('cancel', { job });
  }

  clusterInfo(): Promise<ClusterInfo> {
    return this.call<ClusterInfo>('cluster', {});
  }
}
