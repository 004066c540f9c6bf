// Runs the real bundled agent (dist-like bundle built once per test file into a world-readable
// temp directory) as a child process against a FakeHub, and talks to it over TLS the way the
// hub proxy does: pinned fingerprint, secret header.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { AGENT_ENV, AGENT_SECRET_HEADER, AGENT_TUNING_ENV, type AgentLaunchSpec } from '@hpchub/protocol';
import { FakeHub } from './fake-hub.js';
import { writeTestApp } from './test-app.js';

const BUNDLE_SCRIPT = fileURLToPath(new URL('../../scripts/bundle.mjs', import.meta.url));
export const NODE = '/usr/bin/node';

/** A world-readable temp directory holding the bundle and the test app; removed by cleanup(). */
export class Sandbox {
  readonly dir: string;
  readonly bundle: string;
  readonly app: string;

  constructor() {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'hpchub-agent-test-'));
    chmodSync(this.dir, 0o755);
    this.bundle = path.join(this.dir, 'hpchub-agent.js');
    execFileSync(process.execPath, [BUNDLE_SCRIPT, this.bundle], { stdio: 'inherit' });
    this.app = writeTestApp(this.dir);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** A spec running the test app on a unix socket with token auth, prefix kept. */
export function testSpec(app: string, overrides: Partial<AgentLaunchSpec> = {}): AgentLaunchSpec {
  return {
    app: 'testapp',
    title: 'Test App',
    command: [NODE, app, '--socket', '{socket}', '--token', '{token}', '--ready', '{prefix}ready'],
    env: {},
    listen: 'unix',
    prefix: '/user/alice/lab/',
    prefixMode: 'keep',
    readyPath: '/ready',
    appAuth: { kind: 'token-header' },
    startTimeoutSeconds: 30,
    options: {},
    ...overrides,
  };
}

export interface LogLine {
  level: string;
  event: string;
  [field: string]: unknown;
}

export interface AgentRun {
  child: ChildProcess;
  hub: FakeHub;
  secret: string;
  /** Raw stderr so far. */
  stderr(): string;
  logs(): LogLine[];
  /** The first log line matching `test`, already written or still to come. */
  waitForLog(test: (line: LogLine) => boolean): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export interface StartOptions {
  spec: AgentLaunchSpec | string;
  env?: NodeJS.ProcessEnv;
  /** Runs the agent through this argv prefix (e.g. runuser -u nobody --). */
  wrap?: string[];
  hubScript?: FakeHub['script'];
}

export async function startAgent(sandbox: Sandbox, o: StartOptions): Promise<AgentRun> {
  const secret = newSecret();
  const hub = new FakeHub(secret);
  Object.assign(hub.script, o.hubScript ?? {});
  const hubUrl = await hub.start();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: os.tmpdir(),
    [AGENT_ENV.hubUrl]: hubUrl,
    [AGENT_ENV.secret]: secret,
    [AGENT_ENV.serverId]: '42',
    [AGENT_ENV.spec]: typeof o.spec === 'string' ? o.spec : JSON.stringify(o.spec),
    [AGENT_TUNING_ENV.bind]: '127.0.0.1',
    [AGENT_TUNING_ENV.host]: '127.0.0.1',
    ...o.env,
  };
  const argv = [...(o.wrap ?? []), NODE, sandbox.bundle];
  const child = spawn(argv[0] as string, argv.slice(1), { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  // Complete lines only: the last piece may still be on its way.
  const parse = () =>
    stderr
      .split('\n')
      .slice(0, -1)
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as LogLine);
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    hub,
    secret,
    stderr: () => stderr,
    logs: parse,
    waitForLog: (test) =>
      new Promise((resolve) => {
        const check = () => {
          const line = parse().find(test);
          if (!line) return false;
          child.stderr?.off('data', check);
          resolve(line);
          return true;
        };
        if (!check()) child.stderr?.on('data', check);
      }),
    exited,
    // SIGTERM first, so the agent stops its app (a SIGKILLed agent cannot: the app has a
    // process group of its own); SIGKILL only if it does not end in time.
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
      await exited;
      await hub.close();
    },
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** SHA-256 of the certificate the agent served, lower-case hex. */
  fingerprint: string;
}

/** One HTTPS request to the agent, as the hub proxy makes it (secret header unless `secret` is null). */
export function agentRequest(
  port: number,
  secret: string | null,
  p: { path: string; method?: string; headers?: Record<string, string>; body?: string },
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request({
      host: '127.0.0.1',
      port,
      method: p.method ?? 'GET',
      path: p.path,
      rejectUnauthorized: false,
      agent: false,
      headers: { ...(secret === null ? {} : { [AGENT_SECRET_HEADER]: secret }), ...p.headers },
    });
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const cert = (res.socket as TLSSocket).getPeerCertificate();
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString(),
          fingerprint: (cert.fingerprint256 ?? '').replace(/:/g, '').toLowerCase(),
        });
      });
    });
    req.once('error', reject);
    req.end(p.body);
  });
}

/** Whether a process exists and is not a zombie waiting for a parent that does not reap. */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
