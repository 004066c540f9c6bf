// A whole hub for integration tests: fresh data directory and database, listening on a real
// loopback socket, with its log captured so tests can read it. Helpers read like what a user
// or an admin does: create an account, log in, make a token, call the API.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Scope } from '../auth/scopes.js';
import { createToken } from '../auth/tokens.js';
import type { HubConfig } from '../config/index.js';
import type { HubContext } from '../context.js';
import { listen, type OpenHub, openHub, type RunningHub } from '../hub.js';
import type { HubMetrics } from '../metrics/index.js';
import type { Spawner } from '../spawn/spawner.js';
import { hashPassword } from '../users/password.js';
import { createUser } from '../users/store.js';
import type { Clock } from '../util/time.js';
import { testHubConfig } from './config.js';
import { databaseEngines, type TestDatabase } from './db.js';

export interface TestHubOptions {
  engine?: 'sqlite' | 'postgres';
  /** Adjust the configuration before the hub starts. */
  configure?: (config: HubConfig) => void;
  /** Use this spawner instead of the configured one (the fakes). */
  spawner?: Spawner;
  /** The hub's clock (spawning service and culler), kept across restart(). */
  now?: Clock;
}

export interface ApiResponse<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export class TestHub {
  private constructor(
    private open: OpenHub,
    private current: RunningHub,
    private readonly cleanup: () => Promise<void>,
    /** Every log line the hub wrote, as text. */
    readonly logLines: string[],
    private readonly reopen: () => Promise<{ open: OpenHub; running: RunningHub }>,
  ) {}

  get hub(): HubContext {
    return this.open.hub;
  }

  /** The hub's Prometheus metrics. */
  get metrics(): HubMetrics {
    return this.open.metrics;
  }

  get running(): RunningHub {
    return this.current;
  }

  /**
   * Stops the hub and starts it again on the same data directory, database and spawner, as a
   * site restarting the service would (only the port may change).
   */
  async restart(): Promise<void> {
    await this.current.close();
    ({ open: this.open, running: this.current } = await this.reopen());
  }

  get url(): string {
    return this.running.url;
  }

  static async start(options: TestHubOptions = {}): Promise<TestHub> {
    const dataDir = await mkdtemp(join(tmpdir(), 'hpchub-test-'));
    let testDb: TestDatabase | undefined;
    const lines: string[] = [];
    try {
      const config = testHubConfig(dataDir);
      if (options.engine === 'postgres') {
        testDb = await (databaseEngines()[1] as { open(): Promise<TestDatabase> }).open();
        config.db.url = testDb.url;
      }
      options.configure?.(config);
      const logStream = new Writable({
        write(chunk, _enc, done) {
          lines.push(...String(chunk).split('\n').filter(Boolean));
          done();
        },
      });
      const start = async () => {
        const open = await openHub(config, { logStream });
        return { open, running: await listen(open, { spawner: options.spawner, now: options.now }) };
      };
      const { open, running } = await start();
      const db = testDb;
      let hub: TestHub | undefined;
      const cleanup = async () => {
        await hub?.running.close();
        await db?.close();
        await rm(dataDir, { recursive: true, force: true });
      };
      hub = new TestHub(open, running, cleanup, lines, start);
      return hub;
    } catch (err) {
      await testDb?.close();
      await rm(dataDir, { recursive: true, force: true });
      throw err;
    }
  }

  async stop(): Promise<void> {
    await this.cleanup();
  }

  /** Creates an account directly in the database (what `hpchub user add` does). */
  async addUser(name: string, opts: { admin?: boolean; password?: string } = {}): Promise<void> {
    await createUser(this.hub.db, {
      name,
      admin: opts.admin ?? false,
      passwordHash: opts.password ? await hashPassword(opts.password) : null,
    });
  }

  /** An API token for the named user (what `hpchub token create` does). */
  async tokenFor(name: string, scopes: Scope[] = ['self'], expiresInSeconds?: number): Promise<string> {
    const user = await this.hub.db
      .selectFrom('users')
      .select('id')
      .where('name', '=', name)
      .executeTakeFirstOrThrow();
    const { token } = await createToken(this.hub.db, {
      userId: user.id,
      scopes,
      expiresInSeconds: expiresInSeconds ?? null,
    });
    return token;
  }

  /** Calls the API with a token (or none), sending `body` as JSON unless it is a string. */
  async api<T = unknown>(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token) headers.authorization = `token ${opts.token}`;
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    return answerOf<T>(
      await fetch(`${this.url}/hub/api${path}`, { method, headers, body, redirect: 'manual' }),
    );
  }

  /** Logs in through the login form like a browser, returning the session's cookie jar. */
  login(username: string, password: string): Promise<Browser> {
    return Browser.loggedIn(this.url, username, password);
  }

  /** The whole captured log as one string. */
  logText(): string {
    return this.logLines.join('\n');
  }
}

/** An API answer read whole: its body parsed as JSON when it is JSON, else kept as text. */
export async function answerOf<T = unknown>(res: Response): Promise<ApiResponse<T>> {
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text };
}

/** A minimal cookie-keeping HTTP client that behaves like a browser on our pages. */
export class Browser {
  readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  /** A browser logged in at `base` through the login form; throws unless the login succeeds. */
  static async loggedIn(base: string, username: string, password: string): Promise<Browser> {
    const browser = new Browser(base);
    const res = await browser.submitLogin(username, password);
    if (res.status !== 303)
      throw new Error(`login as ${username} failed with ${res.status}: ${res.text.slice(0, 300)}`);
    return browser;
  }

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = (pair ?? '').indexOf('=');
      if (eq < 0) continue;
      const name = (pair ?? '').slice(0, eq).trim();
      const value = (pair ?? '').slice(eq + 1).trim();
      if (value === '' || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(
    method: string,
    path: string,
    init: { body?: string; headers?: Record<string, string> } = {},
  ) {
    const res = await fetch(`${this.base}${path}`, {
      method,
      body: init.body,
      headers: { accept: 'text/html', cookie: this.cookieHeader(), ...init.headers },
      redirect: 'manual',
    });
    this.remember(res);
    return { status: res.status, headers: res.headers, text: await res.text() };
  }

  get(path: string) {
    return this.request('GET', path);
  }

  postForm(path: string, fields: Record<string, string>) {
    return this.request('POST', path, {
      body: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  /** Loads the login page (for its CSRF token) and posts the form. */
  async submitLogin(username: string, password: string, next?: string) {
    const page = await this.get('/hub/login');
    const xsrf = /name="_xsrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    return this.postForm('/hub/login', { username, password, _xsrf: xsrf, ...(next ? { next } : {}) });
  }

  /** The CSRF token of the current session, as the pages embed it. */
  async csrfToken(): Promise<string> {
    const page = await this.get('/hub/home');
    const token = /name="_xsrf" value="([^"]+)"/.exec(page.text)?.[1];
    if (!token) throw new Error('no CSRF token on the home page; is the browser logged in?');
    return token;
  }
}

/** Reads a server-sent event stream until it ends (or `limit` events), returning the parsed events. */
export async function readEvents<T = Record<string, unknown>>(
  url: string,
  headers: Record<string, string>,
  options: {
    limit?: number;
    until?: (event: T) => boolean;
    timeoutMs?: number;
    onEvent?: (event: T) => void;
  } = {},
): Promise<T[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 30_000);
  const events: T[] = [];
  try {
    const res = await fetch(url, {
      headers: { accept: 'text/event-stream', ...headers },
      signal: controller.signal,
    });
    if (res.status !== 200 || !res.body)
      throw new Error(`event stream answered ${res.status}: ${await res.text()}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk as Uint8Array, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = block
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .map((l) => l.slice(6))
          .join('\n');
        if (data) {
          const event = JSON.parse(data) as T;
          events.push(event);
          options.onEvent?.(event);
        }
        const last = events.at(-1);
        if (
          (options.limit !== undefined && events.length >= options.limit) ||
          (last && options.until?.(last))
        ) {
          controller.abort();
          return events;
        }
        end = buffer.indexOf('\n\n');
      }
    }
    return events;
  } catch (err) {
    if (controller.signal.aborted && events.length > 0) return events;
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
