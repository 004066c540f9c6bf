// A fake hub for the agent's tests: an HTTP server with the agent API's four paths that records
// every message (and whether it carried the right secret), can refuse or fail on request (with
// an error code, as the hub's error body has one), and lets a test wait for the message it
// expects.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AGENT_SECRET_HEADER } from '@hpchub/protocol';

export type Kind = 'ready' | 'progress' | 'heartbeat' | 'stopping';

export interface HubMessage {
  kind: Kind;
  serverId: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read fields of the recorded JSON freely
  body: any;
  secretOk: boolean;
}

/** A scripted answer: a status, or a status with the error body's code. */
export type ScriptedAnswer = number | { status: number; code: string };

export class FakeHub {
  /** The messages it accepted. */
  readonly messages: HubMessage[] = [];
  /** The messages it refused or failed. */
  readonly refused: HubMessage[] = [];
  /** Answers, per kind, one per message in order; then 200. */
  readonly script: Partial<Record<Kind, ScriptedAnswer[]>> = {};
  private readonly waiters: Array<{ test: (m: HubMessage) => boolean; resolve: (m: HubMessage) => void }> =
    [];
  private server: http.Server | undefined;

  constructor(readonly secret: string) {}

  async start(): Promise<string> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const match = /^\/hub\/api\/agent\/servers\/([^/]+)\/(ready|progress|heartbeat|stopping)$/.exec(
          req.url ?? '',
        );
        if (req.method !== 'POST' || !match) {
          res.writeHead(404).end();
          return;
        }
        const kind = match[2] as Kind;
        const message: HubMessage = {
          kind,
          serverId: match[1] as string,
          body: JSON.parse(Buffer.concat(chunks).toString() || 'null'),
          secretOk: req.headers[AGENT_SECRET_HEADER] === this.secret,
        };
        const scripted = this.script[kind]?.shift() ?? (message.secretOk ? 200 : 403);
        const { status, code } =
          typeof scripted === 'number' ? { status: scripted, code: undefined } : scripted;
        if (status < 300) this.record(message);
        else this.refused.push(message);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(status < 300 ? {} : { code, message: `scripted ${status}` }));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hub/api/agent`;
  }

  private record(m: HubMessage): void {
    this.messages.push(m);
    for (const w of [...this.waiters])
      if (w.test(m)) {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        w.resolve(m);
      }
  }

  /** The first message of `kind` (matching `test`) already received or still to come. */
  waitFor(kind: Kind, test: (m: HubMessage) => boolean = () => true): Promise<HubMessage> {
    const t = (m: HubMessage) => m.kind === kind && test(m);
    const seen = this.messages.find(t);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ test: t, resolve }));
  }

  of(kind: Kind): HubMessage[] {
    return this.messages.filter((m) => m.kind === kind);
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
