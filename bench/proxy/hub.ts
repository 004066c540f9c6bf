// A real hub for the proxy benchmark, in a process of its own: fresh data directory, SQLite,
// one user (bench) whose default server routes to the benchmark's upstream, and a server that
// refuses connections. The servers' spawner state names the upstream process, as the local
// spawner would, so the hub's monitor sees them running. The parent logs in over HTTP like a
// browser. Over IPC it answers { cmd: 'stats' } with memory (after a full GC) and open files.
// Usage: node --import tsx --expose-gc bench/proxy/hub.ts <upstream port> <upstream pid>
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../../packages/hub/src/config/index.js';
import { listen, openHub } from '../../packages/hub/src/hub.js';
import { addServerRow, localSpawnerState } from '../../packages/hub/src/proxy/test-support.js';
import { hashPassword } from '../../packages/hub/src/users/password.js';
import { createUser } from '../../packages/hub/src/users/store.js';
import { BENCH_PASSWORD, BENCH_USER } from './processes.js';

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
  const dataDir = mkdtempSync(join(tmpdir(), 'hpchub-bench-'));
  const { config } = loadConfig({ env: {}, flags: { 'data-dir': dataDir, port: '0', 'log-level': 'warn' } });
  const open = await openHub(config, { logStream: process.stderr });
  await createUser(open.hub.db, { name: BENCH_USER, passwordHash: await hashPassword(BENCH_PASSWORD) });
  const running = await listen(open);
  const { routes } = running.app.proxy;
  const state = await localSpawnerState(upstreamPid);
  await addServerRow(open.hub.db, BENCH_USER, '', 'running', state);
  await routes.addRoute(BENCH_USER, '', { url: `http://127.0.0.1:${upstreamPort}`, secret: 'bench-secret' });
  await addServerRow(open.hub.db, BENCH_USER, 'refusing', 'running', state);
  await routes.addRoute(BENCH_USER, 'refusing', { url: `http://127.0.0.1:${await closedPort()}` });

  // How long the event loop was held up between two readings (a stall delays every request).
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const stats = () => {
    const delay = { p99_ms: loopDelay.percentile(99) / 1e6, max_ms: loopDelay.max / 1e6 };
    loopDelay.reset();
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
  process.on('message', (msg: { cmd: string; id: number }) => {
    if (msg.cmd === 'stats') process.send?.({ id: msg.id, stats: stats() });
  });
  const stop = async () => {
    await running.close();
    rmSync(dataDir, { recursive: true, force: true });
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('disconnect', () => void stop());
  process.send?.({ url: running.url });
}

await main();
