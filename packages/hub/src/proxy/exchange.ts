// One request or upgrade on its way through the proxy (proxy.ts): what it is, who sent it, where it
// goes, and how it ended, which the proxy's observer is told once.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { UpstreamPool } from '@hpchub/protocol';
import { type RequestHead, responseHeaders } from './headers.js';
import type { Identity, ProxyObserver, Route } from './types.js';
import type { Upstream } from './upstream.js';
import type { UserPath } from './user-path.js';

/** Where an answer goes: a response, or for an upgrade the bare socket. */
export interface Client {
  req: IncomingMessage;
  res: ServerResponse | undefined;
  /** The socket of an upgrade; undefined for a plain request. */
  socket: Socket | undefined;
}

/**
 * One request or upgrade on its way through the proxy. For a request it is also what
 * @hpchub/protocol's forwardHttp is given (its callbacks are methods here): the hot path allocates no closure.
 */
export class Exchange<I extends Identity> implements Client {
  /** Set once the caller is known and the path names a route. */
  who!: I;
  route!: Route;
  upstream!: Upstream;
  headers: string[] = [];
  /** For the observer: bytes of a chunked request body forwarded, and of the answer's body sent. */
  received = 0;
  sent = 0;
  private finished = false;

  constructor(
    /** performance.now() when the request arrived. */
    readonly began: number,
    readonly req: IncomingMessage,
    readonly res: ServerResponse | undefined,
    readonly socket: Socket | undefined,
    readonly url: string,
    readonly path: UserPath,
    readonly head: RequestHead,
    /** Whether refusals are pages and redirects (a browser) or JSON (a program, a WebSocket). */
    readonly html: boolean,
    /** Bytes after the head of an upgrade request. */
    readonly upgradeHead: Buffer | undefined,
    /** The proxy's answer to a server that could not be reached (one function per proxy). */
    private readonly failed: (ex: Exchange<I>, err: Error) => void,
    private readonly observer: ProxyObserver,
  ) {}

  get hasBody(): boolean {
    return this.head.hasBody;
  }

  get chunked(): boolean {
    return this.head.chunked;
  }

  get requestTarget(): string {
    return this.url;
  }

  get pool(): UpstreamPool {
    return this.upstream.pool;
  }

  answerHeaders(raw: string[]): string[] {
    return responseHeaders(raw);
  }

  onActivity(): void {
    this.route.lastActivity = Date.now();
  }

  onFail(err: Error): void {
    this.failed(this, err);
  }

  /** A forwarded answer was sent or cut short: its status, unless the browser left before one. */
  onDone(): void {
    const res = this.res as ServerResponse;
    this.finish(res.headersSent ? res.statusCode : 0, this.sent);
  }

  /** The server answered an upgrade (0: the browser left first). */
  onAnswered(status: number): void {
    this.finish(status, 0);
  }

  /** Tells the observer how the exchange ended; only the first end counts. */
  finish(status: number, sent: number): void {
    if (this.finished) return;
    this.finished = true;
    this.observer.exchanged(
      this.socket ? 'websocket' : 'http',
      status,
      this.head.bodyLength + this.received,
      sent,
      (performance.now() - this.began) / 1000,
    );
  }
}
