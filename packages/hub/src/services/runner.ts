// Runs the hub's services (the `services` option) as JupyterHub runs its managed services: each
// a process of the hub's user, never through a shell, with its API token and the hub's API URL in
// its environment. A service that exits is started again after a pause that doubles from 1 s to
// 5 min (and starts over once it has run for 5 min), each exit logged with its code; admins see
// every service's state in GET /hub/api/services. close() stops them all (SIGTERM, then SIGKILL).
import { type ChildProcess, spawn } from 'node:child_process';
import type { Logger } from 'pino';
import { ALL_SCOPES, type Scope } from '../auth/scopes.js';
import { type ServiceTokens, unknownScopes } from '../auth/service-tokens.js';
import type { HubConfig } from '../config/index.js';

type ServiceConfig = HubConfig['services'][number];

const FIRST_PAUSE_MS = 1000;
const LONGEST_PAUSE_MS = 5 * 60_000;
const STOP_GRACE_MS = 10_000;

/** What admins see of a service. */
export interface ServiceState {
  name: string;
  command: string[];
  scopes: string[];
  /** running | restarting (waiting to start again) | stopped (the hub is closing). */
  status: 'running' | 'restarting' | 'stopped';
  pid: number | null;
  started: string | null;
  restarts: number;
  last_exit: { code: number | null; signal: string | null; at: string } | null;
}

interface Running {
  config: ServiceConfig;
  state: ServiceState;
  child?: ChildProcess;
  timer?: NodeJS.Timeout;
  pauseMs: number;
}

export class ServiceRunner {
  readonly #services: Running[];
  #closing = false;

  constructor(
    services: readonly ServiceConfig[],
    private readonly deps: { tokens: ServiceTokens; apiUrl: () => string; log: Logger },
  ) {
    for (const config of services) {
      const unknown = unknownScopes(config.scopes);
      if (unknown.length > 0)
        throw new Error(
          `services: ${config.name} has the unknown scope ${unknown.join(', ')}; known scopes are ${ALL_SCOPES.join(', ')}.`,
        );
    }
    this.#services = services.map((config) => ({
      config,
      pauseMs: FIRST_PAUSE_MS,
      state: {
        name: config.name,
        command: config.command,
        scopes: config.scopes,
        status: 'restarting',
        pid: null,
        started: null,
        restarts: 0,
        last_exit: null,
      },
    }));
  }

  start(): void {
    for (const s of this.#services) this.#launch(s);
  }

  states(): ServiceState[] {
    return this.#services.map((s) => ({ ...s.state }));
  }

  #launch(s: Running): void {
    if (this.#closing) return;
    const { config } = s;
    const { tokens, apiUrl, log } = this.deps;
    const token = tokens.issue(config.name, config.scopes as Scope[], config.api_token);
    const child = spawn(config.command[0] as string, config.command.slice(1), {
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        ...(process.env.HOME ? { HOME: process.env.HOME } : {}),
        ...config.environment,
        JUPYTERHUB_API_TOKEN: token,
        JUPYTERHUB_API_URL: apiUrl(),
        JUPYTERHUB_SERVICE_NAME: config.name,
        JUPYTERHUB_BASE_URL: '/',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    s.child = child;
    const startedAt = Date.now();
    s.state = {
      ...s.state,
      status: 'running',
      pid: child.pid ?? null,
      started: new Date(startedAt).toISOString(),
    };
    const relay = (stream: 'stdout' | 'stderr') => (chunk: Buffer) => {
      for (const line of String(chunk).split('\n'))
        if (line.trim() !== '')
          log.info(
            { service: config.name, stream, line: line.replaceAll(token, '[token]') },
            'service output',
          );
    };
    child.stdout?.on('data', relay('stdout'));
    child.stderr?.on('data', relay('stderr'));
    child.once('error', (err) =>
      log.warn({ service: config.name, err: err.message }, 'service could not be started'),
    );
    child.once('close', (code, signal) => {
      s.child = undefined;
      tokens.revoke(config.name);
      s.state = {
        ...s.state,
        pid: null,
        last_exit: { code, signal, at: new Date().toISOString() },
        status: this.#closing ? 'stopped' : 'restarting',
      };
      if (this.#closing) return;
      // A service that ran a while starts over with short pauses.
      if (Date.now() - startedAt >= LONGEST_PAUSE_MS) s.pauseMs = FIRST_PAUSE_MS;
      log.warn(
        { service: config.name, code, signal, restart_in_ms: s.pauseMs },
        'service exited; starting it again',
      );
      s.timer = setTimeout(() => {
        s.state = { ...s.state, restarts: s.state.restarts + 1 };
        this.#launch(s);
      }, s.pauseMs);
      s.timer.unref();
      s.pauseMs = Math.min(s.pauseMs * 2, LONGEST_PAUSE_MS);
    });
    log.info({ service: config.name, pid: child.pid }, 'service started');
  }

  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(
      this.#services.map(async (s) => {
        clearTimeout(s.timer);
        s.state = { ...s.state, status: 'stopped' };
        const child = s.child;
        if (!child || child.exitCode !== null || child.signalCode !== null) return;
        const closed = new Promise((r) => child.once('close', r));
        child.kill('SIGTERM');
        const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        await closed;
        clearTimeout(kill);
      }),
    );
  }
}
