// Starting and stopping the benchmark's processes, and finding the tools it compares against.
import { type ChildProcess, execFileSync, fork, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = new URL('../../', import.meta.url).pathname;
export const BENCH_USER = 'bench';
export const BENCH_PASSWORD = 'bench-password-1';
const TSX = ['--import', 'tsx'];

/** Every child started here, stopped by stopAll() (by pid: only what this benchmark started). */
const children = new Set<ChildProcess>();
const tempDirs: string[] = [];

/** A temporary directory, removed by stopAll(). */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

function track<C extends ChildProcess>(child: C): C {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export async function stopAll(): Promise<void> {
  await Promise.all(
    [...children].map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }),
  );
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export const CHP_BIN = join(ROOT, 'node_modules/.bin/configurable-http-proxy');

/** The tools the benchmark needs; prints how to install what is missing and returns false. */
export function checkTools(): boolean {
  const missing: string[] = [];
  if (!onPath('wrk')) missing.push('wrk: apt-get install -y wrk');
  if (!onPath('nginx') && !existsSync('/usr/sbin/nginx'))
    missing.push('nginx: apt-get install -y nginx-light');
  if (!existsSync(CHP_BIN))
    missing.push('configurable-http-proxy: npm install (it is a devDependency of the workspace)');
  for (const m of missing) console.error(`missing ${m}`);
  return missing.length === 0;
}

export const NGINX_BIN = existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx';

/** Starts bench/proxy/upstream.ts in its own process group; resolves with its port and pid. */
export async function startUpstream(): Promise<{ port: number; pid: number }> {
  const child = track(
    spawn(process.execPath, [...TSX, join(ROOT, 'bench/proxy/upstream.ts')], {
      cwd: ROOT,
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  const [line] = await once(child.stdout as NodeJS.ReadableStream, 'data');
  return { port: (JSON.parse(String(line)) as { port: number }).port, pid: child.pid as number };
}

export interface HubStats {
  /** Event loop delay since the previous reading. */
  loop_delay: { p99_ms: number; max_ms: number };
  rss: number;
  heapUsed: number;
  external: number;
  fds: number;
  websockets: number;
}

export interface HubProcess {
  url: string;
  pid: number;
  stats(): Promise<HubStats>;
}

/** Starts bench/proxy/hub.ts (a real hub) routed to the upstream. */
export async function startHub(upstream: { port: number; pid: number }): Promise<HubProcess> {
  const child = track(
    fork(join(ROOT, 'bench/proxy/hub.ts'), [String(upstream.port), String(upstream.pid)], {
      cwd: ROOT,
      execArgv: [...TSX, '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const [ready] = (await once(child, 'message')) as [{ url: string }];
  let next = 0;
  return {
    url: ready.url,
    pid: child.pid as number,
    async stats() {
      const id = ++next;
      child.send({ cmd: 'stats', id });
      for (;;) {
        const [msg] = (await once(child, 'message')) as [{ id: number; stats: HubStats }];
        if (msg.id === id) return msg.stats;
      }
    },
  };
}

/** Starts any command, tracked for stopAll(). */
export function startCommand(command: string, args: string[], options: { cwd?: string } = {}): ChildProcess {
  return track(spawn(command, args, { cwd: options.cwd ?? ROOT, stdio: ['ignore', 'ignore', 'inherit'] }));
}

/** Resolves once something accepts connections on the port. */
export async function waitForPort(port: number, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not start listening on port ${port}`);
}

/** A free loopback port (for peers that cannot be asked for port 0). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}
