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
/**
 * Process groups this benchmark caused to exist that are not its children: the full-path job
 * (the local spawner's process group, running the agent) and the app the agent started in a
 * group of its own. The hub stops them through its API when it ends; whatever is left after
 * that (a hub that had to be killed) is stopped by stopAll().
 */
const groups = new Set<number>();

/** Records a process group for stopAll() to stop if it is still there. */
export function trackGroup(pgid: number): void {
  if (pgid > 1) groups.add(pgid);
}

function signalGroup(pgid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Waits up to `ms` for the groups to be gone; returns those still there. */
async function waitGone(pgids: number[], ms: number): Promise<number[]> {
  for (let waited = 0; waited < ms && pgids.some((pgid) => signalGroup(pgid, 0)); waited += 100)
    await new Promise((r) => setTimeout(r, 100));
  return pgids.filter((pgid) => signalGroup(pgid, 0));
}

async function stopGroups(): Promise<void> {
  // The app may still be finishing its own SIGTERM from the agent when the hub is gone.
  const left = await waitGone([...groups], 2000);
  groups.clear();
  if (left.length === 0) return;
  console.error(`stopping ${left.length} process group(s) left by the full-path server: ${left.join(' ')}`);
  for (const pgid of left) signalGroup(pgid, 'SIGTERM');
  for (const pgid of await waitGone(left, 5000)) signalGroup(pgid, 'SIGKILL');
}

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
  await stopGroups();
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
  /**
   * Event loop delay since the previous reading: the time between two ticks of a 1 ms timer
   * (1 ms is no delay), and the garbage collection pauses meanwhile.
   */
  loop_delay: {
    p99_ms: number;
    max_ms: number;
    /** Pauses (wall time, so a descheduled pause counts whole) and how many of each kind (minor, major, …). */
    gc: { count: number; total_ms: number; max_ms: number; by_kind: Record<string, number> };
  };
  rss: number;
  heapUsed: number;
  external: number;
  fds: number;
  websockets: number;
}

/** The user's server started through the hub's API, reached through the agent. */
export interface FullPathServer {
  /** Its URL path on the hub, e.g. /user/bench/full/. */
  path: string;
  /** The local spawner's process group (the job: job script, agent). */
  jobPgid: number;
  /** The route the hub's proxy uses: https://127.0.0.1:<agent port>. */
  route: string;
  /** Whether the route pins the agent's certificate and carries the server's secret. */
  pinned: boolean;
  secret: boolean;
}

export interface HubProcess {
  url: string;
  pid: number;
  stats(): Promise<HubStats>;
  /**
   * The loop delay since the previous reading, without the full collection stats() forces: one
   * after the hub idled shrinks V8's young generation to its minimum, and a run measured right
   * after it counts several times the scavenges of a hub in service (no one forces its collections).
   */
  loopDelay(): Promise<HubStats['loop_delay']>;
  /** Starts the user's server `full` (the full-path app) through the REST API; resolves when ready. */
  startFullPath(): Promise<FullPathServer>;
  /** Stops it through the REST API (its job and app end; the hub drops the route and its connections). */
  stopFullPath(): Promise<void>;
}

/**
 * Extra Node.js flags for the hub's process, from BENCH_PROXY_HUB_NODE_FLAGS (space-separated):
 * to look at what the hub does under the benchmark's load, e.g. `--cpu-prof --cpu-prof-dir=DIR`
 * (a CPU profile written when the hub exits) or `--trace-gc`.
 */
function hubNodeFlags(): string[] {
  return (process.env.BENCH_PROXY_HUB_NODE_FLAGS ?? '').split(' ').filter(Boolean);
}

/** Starts bench/proxy/hub.ts (a real hub) routed to the upstream, with the catalog in `appsFile`. */
export async function startHub(
  upstream: { port: number; pid: number },
  appsFile: string,
): Promise<HubProcess> {
  const child = track(
    fork(join(ROOT, 'bench/proxy/hub.ts'), [String(upstream.port), String(upstream.pid), appsFile], {
      cwd: ROOT,
      execArgv: [...TSX, '--expose-gc', ...hubNodeFlags()],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  // A hub that dies (a broken apps file, a failed start) must not leave the benchmark waiting.
  const died = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`the hub exited (${signal ?? code})`))),
  );
  died.catch(() => {});
  const message = async () => (await Promise.race([once(child, 'message'), died]))[0] as unknown;
  const ready = (await message()) as { url: string };
  let next = 0;
  /** Sends a command and waits for the answer with its id. */
  const call = async <T>(cmd: string): Promise<T> => {
    const id = ++next;
    child.send({ cmd, id });
    for (;;) {
      const msg = (await message()) as { id: number; error?: string } & T;
      if (msg.id !== id) continue;
      if (msg.error !== undefined) throw new Error(msg.error);
      return msg;
    }
  };
  return {
    url: ready.url,
    pid: child.pid as number,
    async stats() {
      return (await call<{ stats: HubStats }>('stats')).stats;
    },
    async loopDelay() {
      return (await call<{ loopDelay: HubStats['loop_delay'] }>('loop-delay')).loopDelay;
    },
    async startFullPath() {
      const { server } = await call<{ server: FullPathServer }>('start-full-path');
      trackGroup(server.jobPgid);
      return server;
    },
    async stopFullPath() {
      await call('stop-full-path');
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
