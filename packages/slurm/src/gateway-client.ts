// The Slurm client over the slurm-gateway's REST API (packages/slurm-gateway): what a hub uses when
// it holds no right to act as users itself. HTTPS to a self-signed certificate whose SHA-256
// fingerprint is pinned (checked before the bearer token is ever written), one HTTP call per
// SlurmClient method. The wire shapes below are the gateway's; its OpenAPI document has them in full.
import { request as httpsRequest } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type {
  ActiveJob,
  ClusterInfo,
  JobAnswer,
  JobRef,
  SlurmClient,
  SlurmErrorKind,
  SubmitRequest,
} from './client.js';
import { SlurmError } from './client.js';
import type { GatewayFailure, GatewayOperation, SlurmObserver } from './observer.js';

export interface GatewayClientOptions {
  /** Base URL, e.g. `https://submit01:8443`. */
  url: string;
  /** The bearer token (secret: never logged). */
  token: string;
  /** Lower-case hex SHA-256 of the gateway's certificate (colons allowed); empty: verify with the CA store. */
  fingerprint?: string;
  timeoutMs?: number;
  /** Told how long each call took and how it failed (the hub's metrics). */
  observer?: SlurmObserver;
}

interface Answer {
  status: number;
  body: unknown;
}

/** A call that got no answer, with the class of why for metrics. */
class NoAnswer extends SlurmError {
  constructor(
    kind: SlurmErrorKind,
    message: string,
    readonly failure: GatewayFailure,
    /** Whether the call failed before any of the request was written. */
    notSent = false,
  ) {
    super(kind, message, '', { notSent });
  }
}

/** The gateway's error code when the controller could not be connected to: nothing reached Slurm. */
export const SLURM_NOT_REACHED = 'slurm_not_reached';

/** The class of an answer that is not the one a call wants. */
function statusFailure(status: number): GatewayFailure {
  if (status >= 500 || status === 429) return 'unavailable';
  if (status === 400 || status === 422 || status === 403) return 'refused';
  return 'unexpected';
}

const ERROR_KINDS: Record<GatewayFailure, SlurmErrorKind> = {
  timeout: 'unavailable',
  connection: 'unavailable',
  certificate: 'failed',
  unavailable: 'unavailable',
  refused: 'refused',
  unexpected: 'failed',
};

export class GatewaySlurmClient implements SlurmClient {
  private readonly base: URL;
  private readonly fingerprint: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: GatewayClientOptions) {
    this.base = new URL(options.url);
    if (this.base.protocol !== 'https:') throw new Error('the slurm-gateway URL must be https');
    this.fingerprint = (options.fingerprint ?? '').replace(/:/g, '').toLowerCase();
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** One call, observed: `expected` are the statuses that are an answer rather than a failure. */
  private async ask(
    operation: GatewayOperation,
    expected: readonly number[],
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Answer> {
    const began = performance.now();
    let failure: GatewayFailure | null = 'connection';
    try {
      const answer = await this.call(method, path, body);
      failure = expected.includes(answer.status) ? null : statusFailure(answer.status);
      return answer;
    } catch (err) {
      if (err instanceof NoAnswer) failure = err.failure;
      throw err;
    } finally {
      this.options.observer?.gatewayCall(operation, (performance.now() - began) / 1000, failure);
    }
  }

  private call(method: string, path: string, body?: unknown): Promise<Answer> {
    const url = new URL(path, this.base);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const pinned = this.fingerprint;
    return new Promise((resolve, reject) => {
      // Until the request is written, a failure means the gateway never saw it.
      let sent = false;
      const req = httpsRequest(url, {
        method,
        agent: false,
        timeout: this.timeoutMs,
        // With a pinned fingerprint the certificate is self-signed: the pin replaces the CA check,
        // and it is checked on 'secureConnect' before any request byte (and so the token) is sent.
        rejectUnauthorized: pinned === '',
        headers: {
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
        },
      });
      // A fresh connection per call (agent: false), so the pin is checked on every handshake.
      req.on('socket', (socket) => {
        socket.once('secureConnect', () => {
          const seen = (socket as TLSSocket)
            .getPeerCertificate()
            .fingerprint256?.replace(/:/g, '')
            .toLowerCase();
          if (pinned && seen !== pinned) {
            req.destroy(
              new NoAnswer(
                'failed',
                "the slurm-gateway's certificate does not match the pinned fingerprint",
                'certificate',
              ),
            );
            return;
          }
          req.setHeader('authorization', `Bearer ${this.options.token}`);
          sent = true;
          req.end(payload);
        });
      });
      req.on('timeout', () =>
        req.destroy(
          new NoAnswer('unavailable', 'the slurm-gateway did not answer in time', 'timeout', !sent),
        ),
      );
      req.on('error', (err) =>
        reject(
          err instanceof NoAnswer
            ? err
            : new NoAnswer('unavailable', `slurm-gateway: ${err.message}`, 'connection', !sent),
        ),
      );
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) =>
          reject(new NoAnswer('unavailable', `slurm-gateway: ${err.message}`, 'connection')),
        );
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {}
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
    });
  }

  /** An answer that is not a success, as the SlurmError the interface promises. */
  private failure(what: string, answer: Answer): SlurmError {
    const body = (answer.body ?? {}) as {
      code?: string;
      message?: string;
      validations?: { message: string }[];
    };
    const message = [body.message, ...(body.validations ?? []).map((v) => v.message)]
      .filter(Boolean)
      .join(' ');
    const text = message || `the slurm-gateway answered ${answer.status} to ${what}`;
    return new SlurmError(ERROR_KINDS[statusFailure(answer.status)], text, '', {
      notSent: answer.status === 503 && body.code === SLURM_NOT_REACHED,
    });
  }

  async submit(request: SubmitRequest): Promise<string> {
    const answer = request.structured
      ? await this.ask('submit', [201], 'POST', '/v1/jobs', request.structured)
      : await this.ask('submit', [201], 'POST', '/v1/jobs/raw', {
          user: request.user,
          script: request.script,
        });
    if (answer.status === 201) return (answer.body as { id: string }).id;
    throw this.failure('submit', answer);
  }

  async query(jobs: JobRef[]): Promise<Map<string, JobAnswer>> {
    const answers = new Map<string, JobAnswer>();
    if (jobs.length === 0) return answers;
    let answer: Answer;
    try {
      answer = await this.ask('query', [200], 'POST', '/v1/jobs/query', { jobs });
    } catch (err) {
      for (const job of jobs) answers.set(job.id, { kind: 'unknown', detail: (err as Error).message });
      return answers;
    }
    if (answer.status !== 200) {
      const detail = this.failure('query', answer).message;
      for (const job of jobs) answers.set(job.id, { kind: 'unknown', detail });
      return answers;
    }
    for (const a of (answer.body as { answers: (JobAnswer & { id: string })[] }).answers) {
      const { id, ...rest } = a;
      answers.set(id, rest.kind === 'job' ? { kind: 'job', job: { ...rest.job, source: 'gateway' } } : rest);
    }
    for (const job of jobs)
      if (!answers.has(job.id))
        answers.set(job.id, { kind: 'unknown', detail: 'the slurm-gateway did not say' });
    return answers;
  }

  async cancel({ id, user }: JobRef): Promise<void> {
    if (!/^\d{1,12}$/.test(id)) return;
    const answer = await this.ask(
      'cancel',
      [204, 404],
      'DELETE',
      `/v1/jobs/${id}?user=${encodeURIComponent(user)}`,
    );
    // 404: not a job of this user (any more): nothing of theirs to cancel.
    if (answer.status === 204 || answer.status === 404) return;
    throw this.failure('cancel', answer);
  }

  async listJobs(user: string): Promise<ActiveJob[]> {
    const answer = await this.ask('list_jobs', [200], 'GET', `/v1/jobs?user=${encodeURIComponent(user)}`);
    if (answer.status !== 200) throw this.failure('list jobs', answer);
    return (answer.body as { jobs: ActiveJob[] }).jobs.filter((j) => j.user === user);
  }

  async clusterInfo(): Promise<ClusterInfo> {
    const answer = await this.ask('cluster_info', [200], 'GET', '/v1/cluster');
    if (answer.status === 200) return answer.body as ClusterInfo;
    throw this.failure('cluster info', answer);
  }
}
