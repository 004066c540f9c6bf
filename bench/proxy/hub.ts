// A real hub for the proxy benchmark, in a process of its own: fresh data directory, SQLite,
// one user (bench) whose default server routes to the benchmark's upstream, and a server that
// refuses connections. The servers' spawner state names the upstream process, as the local
// spawner would, so the hub's monitor sees them running. The parent logs in over HTTP like a
// browser. Over IPC it answers { cmd: 'stats' } with memory (after a full GC) and open files,
// and { cmd: 'start-full-path' } by starting the user's server `full` the way a user does: the
// REST API with a catalog app (bench-1k from the apps file, see full-path-app.ts), run by the
// local spawner through the real agent, progress stream read until `ready`; { cmd:
// 'stop-full-path' } stops it through the API, as the hub's end does if it is still running.
// Usage: node --import tsx --expose-gc bench/proxy/hub.ts <upstream port> <upstream pid> <apps file>
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import type { ServerModel } from '@hpchub/protocol';
import { createToken } from '../../packages/hub/src/auth/tokens.js';
import { loadConfig } from '../../packages/hub/src/config/index.js';
import { listen, openHub } from '../../packages/hub/src/hub.js';
import { addRoutedServer, localSpawnerState } from '../../packages/hub/src/proxy/test-support.js';
import { readEvents } from '../../packages/hub/src/test-support/hub.js';
import { hashPassword } from '../../packages/hub/src/users/password.js';
import { createUser } from '../../packages/hub/src/users/store.js';
import { FULL_PATH_APP, FULL_PATH_SERVER } from './full-path-app.js';
import { BENCH_PASSWORD, BENCH_USER, type FullPathServer } from './processes.js';

const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function main(): Promise<void> {
  const upstreamPort = Number(process.argv[2]);
  const upstreamPid = Number(process.argv[3]);
  const appsFile = process.argv[4] as string;
  const dataDir = mkdtempSync(join(tmpdir(), 'hpchub-bench-'));
  const { config } = loadConfig({ env: {}, flags: { 'data-dir': dataDir, port: '0', 'log-level': 'warn' } });
  config.apps.file = appsFile;
  config.apps.enabled = [FULL_PATH_APP];
  config.apps.install_jupyter = false;
  // One benchmark user: its servers may run as the shared nobody (spawner.local_user).
  config.spawner.local_user = 'nobody';
  const open = await openHub(config, { logStream: process.stderr });
  const user = await createUser(open.hub.db, {
    name: BENCH_USER,
    passwordHash: await hashPassword(BENCH_PASSWORD),
  });
  const running = await listen(open);
  const { routes } = running.app.proxy;
  const state = await localSpawnerState(upstreamPid);
  const db = open.hub.db;
  await addRoutedServer(
    db,
    routes,
    { user: BENCH_USER, spawnerState: state },
    {
      url: `http://127.0.0.1:${upstreamPort}`,
      secret: 'bench-secret',
    },
  );
  await addRoutedServer(
    db,
    routes,
    { user: BENCH_USER, name: 'refusing', spawnerState: state },
    {
      url: `http://127.0.0.1:${await closedPort()}`,
    },
  );

  // How long the event loop was held up between two readings (a stall delays every request).
  // The histogram holds the time between two ticks of a 1 ms timer: 1 ms is no delay at all.
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  // Garbage collection pauses between two readings (each pauses the event loop); not the full
  // collection each reading forces (below) to read the memory in use.
  const gc = { count: 0, total_ms: 0, max_ms: 0, by_kind: {} as Record<string, number> };
  const KINDS: Record<number, string> = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
    [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
  };
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const detail = (entry as { detail?: { kind?: number; flags?: number } }).detail;
      const flags = detail?.flags ?? 0;
      if (flags & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) continue;
      gc.count++;
      gc.total_ms += entry.duration;
      gc.max_ms = Math.max(gc.max_ms, entry.duration);
      const kind = KINDS[detail?.kind ?? -1] ?? 'other';
      gc.by_kind[kind] = (gc.by_kind[kind] ?? 0) + 1;
    }
  }).observe({ entryTypes: ['gc'] });
  /** The loop delay and GC pauses since the previous reading, which starts the next. */
  const loopReading = () => {
    const delay = {
      p99_ms: loopDelay.percentile(99) / 1e6,
      max_ms: loopDelay.max / 1e6,
      gc: {
        count: gc.count,
        total_ms: round3(gc.total_ms),
        max_ms: round3(gc.max_ms),
        by_kind: { ...gc.by_kind },
      },
    };
    loopDelay.reset();
    Object.assign(gc, { count: 0, total_ms: 0, max_ms: 0, by_kind: {} });
    return delay;
  };
  const stats = () => {
    const delay = loopReading();
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    return {
      loop_delay: delay,
      rss: m.rss,
      heapUsed: m.heapUsed,
      external: m.external,
      fds: readdirSync('/proc/self/fd').length,
      websockets: running.app.proxy.proxy.stats().websockets,
    };
  };

  // The full path: the user's server `full`, started through the REST API like a user does.
  const { token } = await createToken(open.hub.db, { userId: user.id, scopes: ['self'] });
  const api = (method: string, path: string, body?: unknown) =>
    fetch(`${running.url}/hub/api${path}`, {
      method,
      headers: {
        authorization: `token ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const serverPath = `/users/${BENCH_USER}/servers/${FULL_PATH_SERVER}`;
  let fullPathStarted = false;
  const startFullPath = async (): Promise<FullPathServer> => {
    fullPathStarted = true;
    const res = await api('POST', serverPath, { user_options: { app: FULL_PATH_APP } });
    const text = await res.text();
    if (res.status !== 202 && res.status !== 201) throw new Error(`start answered ${res.status}: ${text}`);
    const server = JSON.parse(text) as ServerModel;
    const events = await readEvents<{ ready?: boolean; failed?: boolean; message?: string }>(
      `${running.url}${server.progress_url}`,
      { authorization: `token ${token}` },
      { until: (e) => Boolean(e.ready || e.failed), timeoutMs: 60_000 },
    );
    const row = await open.hub.db
      .selectFrom('servers')
      .select(['spawner_state', 'status'])
      .where('user_id', '=', user.id)
      .where('name', '=', FULL_PATH_SERVER)
      .executeTakeFirstOrThrow();
    const job = JSON.parse(row.spawner_state) as { pgid?: number };
    const last = events.at(-1);
    if (!last?.ready) throw new Error(`the full-path server did not start: ${JSON.stringify(events)}`);
    const route = routes.resolve(BENCH_USER, FULL_PATH_SERVER);
    if (!route) throw new Error('the full-path server is ready but has no route');
    return {
      path: server.url,
      jobPgid: job.pgid ?? 0,
      route: route.target.url,
      pinned: Boolean(route.target.fingerprint),
      secret: Boolean(route.target.secret),
    };
  };
  const stopFullPath = async () => {
    if (!fullPathStarted) return;
    fullPathStarted = false;
    const res = await api('DELETE', serverPath);
    if (res.status !== 204) throw new Error(`stopping the full-path server answered ${res.status}`);
  };

  process.on('message', (msg: { cmd: string; id: number }) => {
    if (msg.cmd === 'stats') process.send?.({ id: msg.id, stats: stats() });
    if (msg.cmd === 'loop-delay') process.send?.({ id: msg.id, loopDelay: loopReading() });
    if (msg.cmd === 'start-full-path')
      startFullPath().then(
        (server) => process.send?.({ id: msg.id, server }),
        (err: Error) => process.send?.({ id: msg.id, error: err.message }),
      );
    if (msg.cmd === 'stop-full-path')
      stopFullPath().then(
        () => process.send?.({ id: msg.id }),
        (err: Error) => process.send?.({ id: msg.id, error: err.message }),
      );
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await stopFullPath().catch((err: Error) =>
      console.error(`stopping the full-path server: ${err.message}`),
    );
    await running.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('disconnect', () => void stop());
  process.send?.({ url: running.url });
}

await main();
