// The measurements of bench:scale, each on a hub on a simulated cluster (SimCluster): Slurm
// queries per poll interval, the hub's CPU per proxied request, mixed API and page traffic at a
// constant rate, a class surge, a SIGKILL restart. Each returns its figures with the machine's
// load average at that moment (the machine is shared: a figure taken under load says so).
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Browser } from '../../packages/hub/src/test-support/hub.js';
import type { SimClass } from '../../packages/hub/src/test-support/sim-class.js';
import type { SimCluster } from '../../packages/hub/src/test-support/sim-cluster.js';
import { cpuPerRequest, cpuSnapshot, machineSnapshot, othersCpuPercent } from '../proxy/cpu.js';
import { mixedLoad } from './mixed.js';

export const load = () => loadavg().map((x) => Math.round(x * 100) / 100);

/** The hub process's resident memory now and at its peak, in MB. */
export function hubMemory(sim: SimCluster): { rss_mb: number; peak_rss_mb: number } {
  const status = readFileSync(`/proc/${sim.hub.pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s*(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rss_mb: Math.round(kb('VmRSS') / 1024), peak_rss_mb: Math.round(kb('VmHWM') / 1024) };
}

/** Slurm queries during `intervals` poll intervals, with how many jobs each asked about. */
export async function schedulerLoad(sim: SimCluster, jobs: number, intervalSeconds: number, intervals = 3) {
  const from = sim.slurm.queries.length;
  await sleep(intervals * intervalSeconds * 1000);
  const window = sim.slurm.queries.slice(from);
  return {
    running_jobs: jobs,
    queries: window.length,
    queries_per_interval: Math.round((window.length / intervals) * 100) / 100,
    jobs_per_query: [...new Set(window.map((q) => q.asked))],
    loadavg: load(),
  };
}

/** Database queries the hub has made since it started, from its metrics (every query is timed). */
async function hubQueries(sim: SimCluster): Promise<number> {
  const res = await fetch(`${sim.url}/hub/metrics`, {
    headers: { authorization: `token ${sim.adminToken}` },
  });
  let n = 0;
  for (const m of (await res.text()).matchAll(/^hpchub_db_query_duration_seconds_count\{[^}]*\} (\S+)$/gm))
    n += Number(m[1]);
  return n;
}

/**
 * The database queries of one request of each route: `count` requests one after another, net of
 * what the hub queried meanwhile by itself (heartbeats, polls), counted over as long a stretch
 * right after. On PostgreSQL each query is a round trip, which is what a request waits for.
 */
async function queriesPerRequest(
  sim: SimCluster,
  routes: { name: string; send(i: number): Promise<number> }[],
  count = 50,
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const route of routes) {
    const q0 = await hubQueries(sim);
    const t0 = performance.now();
    for (let i = 0; i < count; i++) await route.send(i);
    const q1 = await hubQueries(sim);
    await sleep(performance.now() - t0);
    const background = (await hubQueries(sim)) - q1;
    out[route.name] = Math.round(((q1 - q0 - background) / count) * 10) / 10;
  }
  return out;
}

/**
 * Mixed traffic at `rate` requests/s for `seconds`: the home page (a session), the admin's user
 * list page by page, a user's model with their servers, the progress stream of a running server,
 * token authentication (GET /hub/api/user), and a request through the proxy to a server; then
 * the database queries of one request of each.
 */
export async function apiAtSize(
  sim: SimCluster,
  users: SimClass,
  browser: Browser,
  running: string[],
  totalUsers: number,
  rate: number,
  seconds: number,
) {
  const pick = (i: number) => running[(i * 7919) % running.length] as string;
  const get = async (path: string, headers: Record<string, string>) => {
    const res = await fetch(`${sim.url}${path}`, { headers });
    await res.text();
    return res.status;
  };
  const token = (user: string) => ({ authorization: `token ${users.token(user)}` });
  const routes = [
    {
      name: 'home_page',
      send: () => get('/hub/home', { accept: 'text/html', cookie: browser.cookieHeader() }),
    },
    {
      name: 'users_page',
      send: (i: number) =>
        get(`/hub/api/users?limit=100&offset=${(i * 100) % totalUsers}`, {
          authorization: `token ${sim.adminToken}`,
        }),
    },
    { name: 'user_servers', send: (i: number) => get(`/hub/api/users/${pick(i)}`, token(pick(i))) },
    {
      name: 'progress_stream',
      send: (i: number) =>
        get(`/hub/api/users/${pick(i)}/server/progress`, { ...token(pick(i)), accept: 'text/event-stream' }),
    },
    { name: 'token_auth', send: (i: number) => get('/hub/api/user', token(pick(i))) },
    { name: 'proxied_request', send: (i: number) => get(`/user/${pick(i)}/`, token(pick(i))) },
  ];
  const hub = { hub: { pids: [sim.hub.pid] } };
  await sim.eventLoopDelay();
  const before = cpuSnapshot(hub);
  const machine = machineSnapshot();
  const t0 = performance.now();
  const figures = await mixedLoad(routes, rate, seconds);
  const elapsedS = (performance.now() - t0) / 1000;
  const loop = await sim.eventLoopDelay();
  const cpuUs = cpuPerRequest(before, hub, 1).hub ?? 0;
  const all = Object.values(figures);
  const queries = await queriesPerRequest(sim, routes);
  return {
    rate,
    seconds,
    routes: figures,
    queries_per_request: queries,
    worst_p99_ms: Math.max(...all.map((f) => f.p99_ms)),
    server_errors: all.reduce((n, f) => n + f.server_errors, 0),
    hub_cpu_percent_of_one_core: Math.round(cpuUs / 1e4 / elapsedS),
    event_loop_delay: loop,
    others_cpu_percent: othersCpuPercent(machine),
    memory: hubMemory(sim),
    loadavg: load(),
  };
}

/**
 * `class_` press Start within `withinS` seconds: accepted (202), refused (429 with a
 * Retry-After), anything else; the time until the last accepted start is ready; the hub's event
 * loop delay meanwhile.
 */
export async function surge(sim: SimCluster, users: SimClass, class_: string[], withinS: number) {
  await sim.eventLoopDelay();
  const machine = machineSnapshot();
  const t0 = performance.now();
  const answers = await users.pressStart(class_, withinS * 1000);
  const accepted = class_.filter((_, i) => answers[i]?.status === 202);
  const refused = answers.filter((a) => a.status === 429);
  const notReady = await users.notReady(accepted, 300_000);
  const lastReadyS = (performance.now() - t0) / 1000;
  const loop = await sim.eventLoopDelay();
  return {
    requests: class_.length,
    within_s: withinS,
    accepted: accepted.length,
    refused_429: refused.length,
    refused_with_retry_after: refused.filter((a) => Number(a.headers.get('retry-after')) >= 0).length,
    other_answers: answers.filter((a) => a.status !== 202 && a.status !== 429).map((a) => a.status),
    longest_line: Math.max(0, ...answers.map((a) => a.body?.line_position ?? 0)),
    not_ready: notReady.length,
    last_ready_s: Math.round(lastReadyS * 10) / 10,
    event_loop_delay: loop,
    others_cpu_percent: othersCpuPercent(machine),
    loadavg: load(),
  };
}

/**
 * Each user opens their server, `concurrency` at a time (each client sends its next request as
 * soon as its last was answered, as users do, rather than in lock-step batches that wait for
 * their slowest): the users whose server did not serve.
 */
async function notServing(users: SimClass, list: string[], concurrency: number): Promise<string[]> {
  const failing: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < list.length) {
        const user = list[next++] as string;
        if ((await users.notServing([user])).length > 0) failing.push(user);
      }
    }),
  );
  return failing;
}

/**
 * What the restarted hub's connecting ahead did (its summary line, see the proxy's
 * connect-ahead.ts): connections opened and failed, and when it was done, in seconds after the kill.
 */
function connectedAhead(lines: string[], killedAt: number) {
  const line = lines.find((l) => l.includes('"connections to servers opened ahead"'));
  if (!line) return null;
  const { routes, opened, failed, time } = JSON.parse(line) as Record<string, number>;
  return { routes, opened, failed, done_s: Math.round(((time ?? killedAt) - killedAt) / 10) / 100 };
}

/**
 * SIGKILL with every server of `running` ready and `queued` waiting in Slurm's queue; the time
 * until the hub listens again and until every route has served once (requested by 50 clients:
 * each first request after a restart finds the connection the hub opened ahead to its agent, or
 * opens one itself, and here the agents' side of those handshakes runs on the same cores as the
 * hub), when the hub's connecting ahead was done, with the CPU the hub and
 * this process (load generator, agents) used meanwhile; then the queued jobs run, and every one
 * must end ready, none submitted twice.
 */
export async function restart(sim: SimCluster, users: SimClass, running: string[], queued: string[]) {
  const submittedBefore = sim.slurm.calls.submit;
  const logged = sim.hub.logLines.length;
  const killedAt = Date.now();
  const t0 = performance.now();
  await sim.hub.killAndRestart();
  const listeningS = (performance.now() - t0) / 1000;
  const hub = { hub: { pids: [sim.hub.pid] }, bench: { pids: [process.pid] } };
  const cpuBefore = cpuSnapshot(hub);
  let waiting = running;
  let rounds = 0;
  while (waiting.length > 0 && performance.now() - t0 < 120_000) {
    rounds += 1;
    waiting = await notServing(users, waiting, 50);
  }
  const allServeS = (performance.now() - t0) / 1000;
  const cpu = cpuPerRequest(cpuBefore, hub, running.length);
  // The restarted hub's event loop from its start until every route served once.
  const loop = await sim.eventLoopDelay();
  const t1 = performance.now();
  await notServing(users, running, 50);
  const warmS = (performance.now() - t1) / 1000;
  sim.runQueuedJobs();
  const notReady = await users.notReady(queued, 120_000);
  return {
    running: running.length,
    queued: queued.length,
    listening_again_s: Math.round(listeningS * 100) / 100,
    every_route_serves_s: Math.round(allServeS * 100) / 100,
    rounds_of_requests: rounds,
    first_requests_cpu_us_each: { hub: cpu.hub, load_generator_and_agents: cpu.bench },
    event_loop_delay: loop,
    all_routes_again_warm_s: Math.round(warmS * 100) / 100,
    connected_ahead: connectedAhead(sim.hub.logLines.slice(logged), killedAt),
    routes_not_serving: waiting.length,
    queued_not_ready_after: notReady.length,
    submitted_again: sim.slurm.calls.submit - submittedBefore,
    problems: await users.settledProblems(),
    loadavg: load(),
  };
}
