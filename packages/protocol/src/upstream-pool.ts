// The HTTP/1.1 client of both forwarding hops (the hub's proxy toward a server, the agent toward
// its app): a keep-alive pool of connections to one server (opened by the caller's `connect`:
// the hub pins an agent's TLS certificate before use) and one exchange at a time on each. It
// writes the request head as one string and reads the answer with response-parser.ts, handing
// the bytes straight to the client's response. Node's http.request does the same with a request
// object, an agent queue, a response stream and a pipe per request; this path costs about 40%
// less CPU per request (see bench/proxy), and both hops are on every request's path.
import type { Socket } from 'node:net';
import { ResponseParser } from './response-parser.js';

/** Opens a connection for the pool: ready for HTTP, or an error. */
export type OpenConnection = (done: (err: Error | null, socket?: Socket) => void) => void;

export interface PoolLimits {
  /** A connection's socket timeout while in use; 0: none. */
  idleTimeoutMs: number;
  maxSockets: number;
  maxFreeSockets: number;
  /** How long a connection may wait in the pool for its next exchange. */
  keepAliveMs: number;
  /** Largest response head accepted. */
  maxHeaderBytes: number;
}

/** What one exchange is told as the server answers; exactly one of onEnd and onError ends it. */
export interface ExchangeHandlers {
  onHead(status: number, statusMessage: string, rawHeaders: string[], hasLength: boolean): void;
  /**
   * Returns false when the receiver is full: the connection pauses until resume() is called.
   * `last`: the chunk completes the body (so the response can end with it, in one write).
   */
  onBody(chunk: Buffer, last: boolean): boolean;
  onEnd(): void;
  /** `answered`: whether onHead was called; `retryable`: failed on a reused connection before any answer. */
  onError(err: Error, answered: boolean, retryable: boolean): void;
}

export class UpstreamConnection {
  /** One parser for the connection's life, reset for each exchange. */
  private readonly parser: ResponseParser;
  private handlers: ExchangeHandlers | undefined;
  /** Whether an exchange is under way: its answer is being read. */
  private exchanging = false;
  private answered = false;
  private requestDone = true;
  private keepAlive = true;
  /**
   * Whether the connection waited in the pool before this exchange (a request completed on it,
   * or it was opened ahead): a stale keep-alive may fail, and the exchange may then be retried.
   */
  reused = false;
  /** When it was last put back in the pool (Date.now()). */
  freeSince = 0;

  constructor(
    readonly socket: Socket,
    private readonly pool: UpstreamPool,
  ) {
    // The parser's end of a response is acted on once feed() or close() has returned (see
    // onData): only then is it known whether bytes followed it, and only then may the
    // connection be lent to the next exchange, which resets the parser.
    this.parser = new ResponseParser(
      {
        onHead: (h) => {
          this.answered = true;
          this.keepAlive = h.keepAlive;
          this.handlers?.onHead(h.status, h.statusMessage, h.rawHeaders, h.hasLength);
        },
        onBody: (chunk, last) => {
          if (this.handlers && !this.handlers.onBody(chunk, last)) this.socket.pause();
        },
        onEnd: () => {},
      },
      false,
      pool.limits.maxHeaderBytes,
    );
    socket.on('data', (buf: Buffer) => this.onData(buf));
    socket.on('error', (err) => this.fail(err));
    socket.on('close', () => this.onClose());
    socket.on('timeout', () => socket.destroy(new Error(`the server sent nothing for ${socket.timeout} ms`)));
  }

  /** Starts an exchange: writes the head now; the body, if any, the caller pipes with writeBody. */
  start(head: string, noResponseBody: boolean, hasBody: boolean, handlers: ExchangeHandlers): void {
    this.handlers = handlers;
    this.exchanging = true;
    this.answered = false;
    this.requestDone = !hasBody;
    this.keepAlive = true;
    this.parser.reset(noResponseBody);
    this.socket.write(head, 'latin1');
  }

  /** The request body has been written completely. */
  bodyDone(): void {
    this.requestDone = true;
  }

  resume(): void {
    this.socket.resume();
  }

  /** The browser went away mid-exchange: this connection is in an unknown state. */
  abort(): void {
    this.handlers = undefined;
    this.exchanging = false;
    this.socket.destroy();
  }

  private onData(buf: Buffer): void {
    if (!this.exchanging) {
      // Bytes nobody asked for: the connection cannot be trusted with another request.
      this.socket.destroy();
      return;
    }
    let rest: Buffer | undefined;
    try {
      rest = this.parser.feed(buf);
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    if (!this.parser.done) return;
    // Bytes after the response: the connection cannot be trusted with another request.
    if (rest !== undefined) this.keepAlive = false;
    this.finish();
  }

  private finish(): void {
    const handlers = this.handlers;
    this.handlers = undefined;
    this.exchanging = false;
    this.reused = true;
    handlers?.onEnd();
    // Answered before the whole request body was sent: the rest would be read as a new request.
    if (!this.keepAlive || !this.requestDone || this.socket.destroyed) this.socket.destroy();
    else this.pool.release(this);
  }

  private fail(err: Error): void {
    const handlers = this.handlers;
    this.handlers = undefined;
    this.exchanging = false;
    this.socket.destroy();
    handlers?.onError(err, this.answered, this.reused && !this.answered);
  }

  private onClose(): void {
    this.pool.forget(this);
    if (!this.handlers) return;
    try {
      this.parser.close();
    } catch (err) {
      this.fail(err as Error);
      return;
    }
    // The end of a body that runs until the connection closes.
    if (this.parser.done) this.finish();
    else this.fail(new Error('the server closed the connection'));
  }
}

type Waiter = (err: Error | null, connection?: UpstreamConnection) => void;

/**
 * Connections to one server: at most limits.maxSockets busy, limits.maxFreeSockets kept idle.
 * A connection's socket timeout is the exchange idle timeout, set once; idle connections in the
 * pool are closed by a sweep after limits.keepAliveMs, so no timer is re-armed per request.
 */
export class UpstreamPool {
  private readonly free: UpstreamConnection[] = [];
  private readonly busy = new Set<UpstreamConnection>();
  private readonly waiting: Waiter[] = [];
  private opening = 0;
  /** A connection opened ahead (warm) is under way. */
  private warming = false;
  /** The exchange that came while it was, and takes it. */
  private claimed: Waiter | undefined;
  private destroyed = false;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly connect: OpenConnection,
    readonly limits: PoolLimits,
  ) {}

  /** An idle connection, if one is in the pool (the usual case: no callback needed). */
  take(): UpstreamConnection | undefined {
    if (this.destroyed) return undefined;
    const connection = this.free.pop();
    if (connection) this.busy.add(connection);
    return connection;
  }

  /** A connection for one exchange, now or when one is free; with `fresh`, not an idle one. */
  acquire(done: Waiter, fresh = false): void {
    if (this.destroyed) {
      done(new Error('the route was removed'));
      return;
    }
    const connection = fresh ? undefined : this.free.pop();
    if (connection) {
      this.lend(connection, done);
      return;
    }
    // The connection opened ahead is this exchange's: it arrives no later than a new one would.
    if (this.warming && !this.claimed) {
      this.claimed = done;
      return;
    }
    if (this.busy.size + this.opening >= this.limits.maxSockets) {
      this.waiting.push(done);
      return;
    }
    this.opening++;
    this.connect((err, socket) => {
      this.opening--;
      if (err || !socket) {
        done(err ?? new Error('no connection'));
        this.nextWaiter();
        return;
      }
      if (this.destroyed) {
        socket.destroy();
        return done(new Error('the route was removed'));
      }
      socket.setTimeout(this.limits.idleTimeoutMs);
      this.lend(new UpstreamConnection(socket, this), done);
    });
  }

  /**
   * Opens a connection before any exchange needs it (a restarted hub, its routes loaded): it
   * waits in the pool like a kept-alive one, and is closed the same way when nothing uses it.
   * Nothing is opened when the pool has or is opening a connection, or keeps none. `done` gets
   * whether one was opened, or why not; a failure affects nothing else (an exchange that was
   * waiting for it opens its own connection).
   */
  warm(done: (err: Error | null, opened: boolean) => void): void {
    if (
      this.destroyed ||
      this.limits.maxFreeSockets === 0 ||
      this.free.length + this.busy.size + this.opening > 0
    ) {
      done(null, false);
      return;
    }
    this.warming = true;
    this.opening++;
    this.connect((err, socket) => {
      this.opening--;
      this.warming = false;
      const claimed = this.claimed;
      this.claimed = undefined;
      if (err || !socket || this.destroyed) {
        socket?.destroy();
        if (claimed) this.acquire(claimed);
        done(err ?? new Error(this.destroyed ? 'the route was removed' : 'no connection'), false);
        return;
      }
      socket.setTimeout(this.limits.idleTimeoutMs);
      const connection = new UpstreamConnection(socket, this);
      if (claimed) this.lend(connection, claimed);
      else {
        // Idle in the pool from now on, it may go stale as a kept-alive one may.
        connection.reused = true;
        this.busy.add(connection);
        this.release(connection);
      }
      done(null, true);
    });
  }

  /** A connection whose exchange ended cleanly: reuse it, keep it, or close it. */
  release(connection: UpstreamConnection): void {
    if (!this.busy.delete(connection)) return;
    const next = this.waiting.shift();
    if (next) {
      this.lend(connection, next);
      return;
    }
    if (this.destroyed || this.free.length >= this.limits.maxFreeSockets) {
      connection.socket.destroy();
      return;
    }
    connection.freeSince = Date.now();
    this.free.push(connection);
    this.sweeper ??= setInterval(() => this.sweep(), Math.max(1000, this.limits.keepAliveMs / 2)).unref();
  }

  /** A connection closed (by either side). */
  forget(connection: UpstreamConnection): void {
    this.busy.delete(connection);
    const i = this.free.indexOf(connection);
    if (i !== -1) this.free.splice(i, 1);
    this.nextWaiter();
  }

  /**
   * A slot opened up (a connection closed, or one being opened failed): the first exchange
   * waiting at maxSockets opens its own, so none waits for a connection that never comes.
   */
  private nextWaiter(): void {
    const next = this.waiting.shift();
    if (next) this.acquire(next);
  }

  destroy(): void {
    this.destroyed = true;
    clearInterval(this.sweeper);
    const claimed = this.claimed;
    this.claimed = undefined;
    for (const waiter of [...(claimed ? [claimed] : []), ...this.waiting.splice(0)])
      waiter(new Error('the route was removed'));
    for (const connection of [...this.free, ...this.busy]) connection.socket.destroy();
  }

  private lend(connection: UpstreamConnection, done: Waiter): void {
    this.busy.add(connection);
    done(null, connection);
  }

  /** Closes connections idle in the pool for longer than keepAliveMs (oldest are first). */
  private sweep(): void {
    const limit = Date.now() - this.limits.keepAliveMs;
    while (this.free.length > 0 && (this.free[0] as UpstreamConnection).freeSince < limit)
      (this.free.shift() as UpstreamConnection).socket.destroy();
    if (this.free.length === 0) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }
}
