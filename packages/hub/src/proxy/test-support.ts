// Test helpers for the proxy: a fake server (what the agent will be) that checks the secret
// header like the agent must, records what reached it, and serves the shapes of traffic the
// proxy must carry (JSON, server-sent events, large streamed bodies, WebSocket echo); a
// self-signed certificate with its fingerprint; and a server row for a user.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Kysely } from 'kysely';
import WebSocket, { WebSocketServer } from 'ws';
import { loadOrCreateCookieSecret } from '../auth/cookie-secret.js';
import type { HubConfig } from '../config/index.js';
import type { Database } from '../db/schema.js';
import { processStartTime } from '../spawn/local/process.js';
import { type Browser, TestHub } from '../test-support/hub.js';
import { nowIso } from '../util/time.js';
import type { HubRoutes } from './route-store.js';
import type { RouteTarget } from './types.js';

export interface Certificate {
  key: Buffer;
  cert: Buffer;
  /** Lower-case hex SHA-256 of the DER certificate, as the agent reports it. */
  fingerprint: string;
}

/** A fresh self-signed certificate for `host` (openssl is part of Debian's base system). */
export async function makeCertificate(host = 'localhost'): Promise<Certificate> {
  const dir = await mkdtemp(join(tmpdir(), 'hpchub-cert-'));
  try {
    const keyFile = join(dir, 'key.pem');
    const certFile = join(dir, 'cert.pem');
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      `/CN=${host}`,
      '-addext',
      `subjectAltName=DNS:${host},IP:127.0.0.1`,
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]);
    const cert = await readFile(certFile);
    const fingerprint = new X509Certificate(cert).fingerprint256.replace(/:/g, '').toLowerCase();
    return { key: await readFile(keyFile), cert, fingerprint };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface FakeServer {
  url: string;
  port: number;
  /** Every request and upgrade that reached it, secret accepted or not. */
  seen: SeenRequest[];
  /** Open event streams (GET …/events): write `data: …\n\n` to them. */
  eventStreams: ServerResponse[];
  /** Bytes of GET …/download bodies handed to the socket so far. */
  downloadSent(): number;
  /** Number of TCP connections currently open to it. */
  connections(): number;
  /** Number of TCP connections it ever accepted. */
  accepted(): number;
  close(): Promise<void>;
}

interface ServerState {
  eventStreams: ServerResponse[];
  downloadSent: number;
}

function handle(req: IncomingMessage, res: ServerResponse, state: ServerState): void {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname.endsWith('/events')) {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store' });
    res.write(': open\n\n');
    state.eventStreams.push(res);
    return;
  }
  if (url.pathname.endsWith('/download')) {
    // Generated chunk by chunk, honouring backpressure: the server itself holds ~64 KiB.
    let left = Number(url.searchParams.get('bytes') ?? 0);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(left) });
    const pump = () => {
      while (left > 0) {
        const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
        left -= piece.length;
        state.downloadSent += piece.length;
        if (!res.write(piece)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
    return;
  }
  if (url.pathname.endsWith('/set-cookies')) {
    res.writeHead(200, {
      'set-cookie': ['app=1; Path=/', 'hpchub-session=forged; Path=/'],
      'content-length': '2',
    });
    res.end('ok');
    return;
  }
  let received = 0;
  req.on('data', (b: Buffer) => {
    received += b.length;
  });
  req.on('end', () => {
    const body = JSON.stringify({ method: req.method, url: req.url, headers: req.headers, received });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
}

/**
 * Starts a fake server on loopback: plain HTTP, or HTTPS with `tls`. With `secret`, requests and
 * upgrades without that X-Hpchub-Agent-Secret get 403, as from the agent.
 */
export async function startFakeServer(
  options: { secret?: string; tls?: Certificate } = {},
): Promise<FakeServer> {
  const seen: SeenRequest[] = [];
  const state: ServerState = { eventStreams: [], downloadSent: 0 };
  const { eventStreams } = state;
  const sockets = new Set<Socket>();
  let accepted = 0;
  const secretOk = (req: IncomingMessage) =>
    options.secret === undefined || req.headers['x-hpchub-agent-secret'] === options.secret;
  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    if (!secretOk(req)) {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('wrong secret');
      return;
    }
    handle(req, res, state);
  };
  const server = options.tls
    ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, onRequest)
    : http.createServer(onRequest);
  server.on(options.tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('connection', () => {
    accepted++;
  });
  const wss = new WebSocketServer({
    server,
    verifyClient: ({ req }: { req: IncomingMessage }) => {
      seen.push({ method: 'UPGRADE', url: req.url ?? '', headers: req.headers });
      return secretOk(req);
    },
  });
  wss.on('connection', (ws) => {
    ws.on('message', (data, binary) => ws.send(data, { binary }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    seen,
    eventStreams,
    downloadSent: () => state.downloadSent,
    connections: () => sockets.size,
    accepted: () => accepted,
    async close() {
      for (const res of eventStreams) res.destroy();
      for (const client of wss.clients) client.terminate();
      wss.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The local spawner's record of a live process (in its own process group), so that the hub's
 * monitor, which polls every active server, sees the server as running and keeps its route.
 */
export async function localSpawnerState(pid: number): Promise<string> {
  const startTime = await processStartTime(pid);
  if (startTime === null) throw new Error(`process ${pid} is not running`);
  return JSON.stringify({ kind: 'local', pid, pgid: pid, startTime, host: hostname() });
}

/** A server row for the user, as the spawner writes it; returns its id. */
export async function addServerRow(
  db: Kysely<Database>,
  user: string,
  name = '',
  status = 'running',
  spawnerState = '{}',
): Promise<number> {
  const owner = await db.selectFrom('users').select('id').where('name', '=', user).executeTakeFirstOrThrow();
  const row = await db
    .insertInto('servers')
    .values({ user_id: owner.id, name, app: 'test', status, spawner_state: spawnerState, created: nowIso() })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/**
 * A running server of `user` reachable at `target`: its row, and its route in the proxy's table
 * (what the spawning service does when an agent reports ready).
 */
export async function addRoutedServer(
  db: Kysely<Database>,
  routes: HubRoutes,
  server: { user: string; name?: string; spawnerState?: string },
  target: RouteTarget,
): Promise<number> {
  const name = server.name ?? '';
  const id = await addServerRow(db, server.user, name, 'running', server.spawnerState);
  const owner = await db
    .selectFrom('users')
    .select('id')
    .where('name', '=', server.user)
    .executeTakeFirstOrThrow();
  routes.add({ id, ownerId: owner.id, owner: server.user, name }, target);
  return id;
}

/** A harmless process standing in for a server's job: it lives until stopped. */
export function startPlaceholderJob(): ChildProcess {
  return spawn('sleep', ['86400'], { detached: true, stdio: 'ignore' });
}

export const SECRET = 'agent-secret-of-ada';
export const PASSWORD = 'proxy-test-password';

/**
 * A hub with users ada (whose default server runs, behind a fake server checking SECRET), bob,
 * carol and an admin — all with PASSWORD — ready to be driven through the proxy.
 */
export class ProxyScene {
  private constructor(
    readonly hub: TestHub,
    readonly server: FakeServer,
    private readonly job: ChildProcess,
    private readonly jobState: string,
    /** servers.id of ada's default server. */
    readonly serverId: number,
  ) {}

  static async start(configure?: (config: HubConfig) => void): Promise<ProxyScene> {
    const hub = await TestHub.start(configure ? { configure } : {});
    const job = startPlaceholderJob();
    let server: FakeServer | undefined;
    try {
      for (const name of ['ada', 'bob', 'carol']) await hub.addUser(name, { password: PASSWORD });
      await hub.addUser('root', { password: PASSWORD, admin: true });
      server = await startFakeServer({ secret: SECRET });
      const jobState = await localSpawnerState(job.pid as number);
      const serverId = await addRoutedServer(
        hub.hub.db,
        hub.running.app.proxy.routes,
        { user: 'ada', spawnerState: jobState },
        { url: server.url, secret: SECRET },
      );
      return new ProxyScene(hub, server, job, jobState, serverId);
    } catch (err) {
      job.kill();
      await server?.close();
      await hub.stop();
      throw err;
    }
  }

  get db(): Kysely<Database> {
    return this.hub.hub.db;
  }

  get proxy() {
    return this.hub.running.app.proxy;
  }

  login(name: string): Promise<Browser> {
    return this.hub.login(name, PASSWORD);
  }

  /** Adds a server row for the user and, with a target, its route. */
  async addServer(user: string, name: string, target?: RouteTarget, status = 'running'): Promise<number> {
    if (target)
      return addRoutedServer(this.db, this.proxy.routes, { user, name, spawnerState: this.jobState }, target);
    const id = await addServerRow(this.db, user, name, status, status === 'running' ? this.jobState : '{}');
    this.proxy.routes.declare(user, name);
    return id;
  }

  /** The hub's cookie secret (from its data directory), for a second authorizer or route table. */
  async cookieSecret(): Promise<string> {
    return loadOrCreateCookieSecret(this.hub.hub.config.data_dir, this.hub.hub.log);
  }

  async userId(name: string): Promise<number> {
    const row = await this.db
      .selectFrom('users')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** GET with the given headers and no cookie jar; the body as text. */
  async fetch(path: string, headers: Record<string, string> = {}) {
    const res = await fetch(`${this.hub.url}${path}`, { headers, redirect: 'manual' });
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  async close(): Promise<void> {
    await this.server.close();
    await this.hub.stop();
    this.job.kill();
  }
}

/** Opens a WebSocket; resolves with the socket, or with the HTTP status that refused it. */
export function connectWebSocket(url: string, headers: Record<string, string>): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.once('error', reject);
  });
}

/** Sends a message and resolves with the next one received (the fake servers echo). */
export async function echo(ws: WebSocket, text: string): Promise<string> {
  ws.send(text);
  const [data] = await once(ws, 'message');
  return String(data);
}
