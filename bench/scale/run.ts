// `npm run bench:scale`: the hub at a large centre's size, on SQLite and on PostgreSQL, one after
// the other in this one run. What is not the hub is simulated (SimCluster): a FakeSlurm whose
// jobs wait 0.5–3 s in its queue and whose squeue costs 20 ms plus 0.2 ms per job it holds, and
// simulated agents in this process speaking the real agent protocol and serving a tiny app over
// TLS. The hub is the real one (`hpchub start`'s code with the real Slurm spawner, default
// settings but for the simulated cluster) in a process of its own. Per engine:
//   1 running server: the hub's CPU per proxied request;
//   10 and 100 running: Slurm queries per poll interval;
//   a class of 1,000 pressing Start within 10 s (the surge), then more up to 2,000 running;
//   2,000 running, 10,000 users: Slurm queries per interval, CPU per proxied request,
//   mixed API and page traffic at 50 requests/s, the hub's memory and CPU;
//   SIGKILL with 2,000 running and 200 queued: time until every route serves again;
//   rounds of SIGKILL at random moments of starts and stops: no orphan, none stuck, none twice.
// Then the faults on the real components (bench/faults: real Slurm, real agents, PostgreSQL),
// the `faults_real` section; then the proxy's tail latency, the full path and CPU per hop
// (bench:proxy, the `proxy` section) and the hub's share of a start (bench:spawn, the `spawn`
// section), each run as its own benchmark (parts.ts) that also writes its own report. `goals`
// sums up every goal of the issue, met or not (figures.ts).
// Every figure carries the load average when it was taken. Writes bench/results/scale.json and the
// README's table of the goals from it (readme-table.ts), and ends with one JSON line. A part that fails is recorded with its error; the others still run.
//
// Environment: BENCH_SCALE_PARTS (default "sqlite,postgres,faults,proxy,spawn": which parts run),
// BENCH_SCALE_QUICK (1: bench:proxy --quick and 2 rounds of bench:spawn, their reports in a
// temporary directory rather than bench/results; for trying the plumbing), BENCH_SCALE_USERS (10000),
// BENCH_SCALE_RUNNING (2000), BENCH_SCALE_SURGE (1000), BENCH_SCALE_QUEUED (200),
// BENCH_SCALE_SECONDS (30: the mixed traffic), BENCH_SCALE_FAULT_ROUNDS (10), BENCH_SCALE_PROFILE
// (a directory: the hub's CPU profiles of the surge, the mixed traffic and the restart; see profiles.ts).
// Needs PostgreSQL (scripts/provision/postgres.sh), the Slurm cluster (scripts/provision/slurm.sh),
// root, and a build (`npm run build`: the hub runs from dist/). bench/faults/measure.ts names its
// own variables.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, hostname, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { Browser } from '../../packages/hub/src/test-support/hub.js';
import { SimClass } from '../../packages/hub/src/test-support/sim-class.js';
import { SimCluster } from '../../packages/hub/src/test-support/sim-cluster.js';
import { hashPassword } from '../../packages/hub/src/users/password.js';
import { realFaults } from '../faults/measure.js';
import {
  failed,
  goalSummary,
  type PartError,
  type ProxyReport,
  proxyFigures,
  type SpawnReport,
  spawnFigures,
} from './figures.js';
import { apiAtSize, hubMemory, load, restart, schedulerLoad, surge } from './measure.js';
import { runPart } from './parts.js';
import { nameProfile, PROFILE_DIR } from './profiles.js';
import { proxyCpu } from './proxy-cpu.js';
import { writeReadmeTable } from './readme-table.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const PARTS = (process.env.BENCH_SCALE_PARTS ?? 'sqlite,postgres,faults,proxy,spawn').split(',');
const ENGINES = (['sqlite', 'postgres'] as const).filter((e) => PARTS.includes(e));
const QUICK = process.env.BENCH_SCALE_QUICK === '1';
const USERS = env('BENCH_SCALE_USERS', 10_000);
const RUNNING = env('BENCH_SCALE_RUNNING', 2000);
const SURGE = env('BENCH_SCALE_SURGE', 1000);
const QUEUED = env('BENCH_SCALE_QUEUED', 200);
const SECONDS = env('BENCH_SCALE_SECONDS', 30);
const FAULT_ROUNDS = env('BENCH_SCALE_FAULT_ROUNDS', 10);
const RATE = 50;
const POLL_SECONDS = 5; // spawner.poll_interval_seconds' default

const names = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `user${String(from + i).padStart(5, '0')}`);
const say = (what: string) => console.error(`[bench:scale ${new Date().toISOString()}] ${what}`);

/** Starts `class_` in batches of 100 (each within a second) until all are ready; throws otherwise. */
async function startBatches(users: SimClass, class_: string[]): Promise<void> {
  for (let i = 0; i < class_.length; i += 100) {
    const batch = class_.slice(i, i + 100);
    const refused = (await users.pressStart(batch, 1000)).filter((a) => a.status !== 202);
    const notReady = await users.notReady(batch);
    if (refused.length + notReady.length > 0)
      throw new Error(
        `starts failed: ${[...refused.map((a) => a.text), ...notReady].slice(0, 5).join('; ')}`,
      );
  }
}

async function runEngine(engine: 'sqlite' | 'postgres') {
  let hold = false;
  const sim = await SimCluster.start({
    engine,
    slurm: {
      queueDelayMs: () => (hold ? 3_600_000 : 500 + Math.random() * 2500),
      queryCost: { baseMs: 20, perJobMs: 0.2 },
    },
    configure: (c) => {
      c.spawner.poll_interval_seconds = POLL_SECONDS;
    },
    profileDir: PROFILE_DIR,
  });
  /** The event loop's figures of a stretch, its CPU profile (if taken) named after it. */
  const named = <L extends { profile?: string | undefined }>(loop: L | undefined, stretch: string) =>
    loop && { ...loop, profile: nameProfile(loop.profile, engine, stretch) };
  try {
    const withTokens = RUNNING + QUEUED + FAULT_ROUNDS * 10;
    say(`${engine}: ${USERS} users`);
    const users = new SimClass(sim, await sim.addUsers(names(1, withTokens)));
    await sim.addUsers(names(withTokens + 1, USERS - withTokens), { tokens: false });
    const first = names(1, 1)[0] as string;
    await sim.db.db
      .updateTable('users')
      .set({ password_hash: await hashPassword('bench-password-1') })
      .where('name', '=', first)
      .execute();
    const browser = await Browser.loggedIn(sim.url, first, 'bench-password-1');

    say(`${engine}: 1 server`);
    await startBatches(users, [first]);
    const cpuOne = await proxyCpu(sim, users, first);
    await startBatches(users, names(2, 9));
    const scheduler10 = await schedulerLoad(sim, 10, POLL_SECONDS);
    await startBatches(users, names(11, 90));
    const scheduler100 = await schedulerLoad(sim, 100, POLL_SECONDS);

    say(`${engine}: surge of ${SURGE}`);
    const surgeClass = names(RUNNING - SURGE + 1, SURGE);
    const surgeFigures = await surge(sim, users, surgeClass, 10);
    say(`${engine}: up to ${RUNNING} running`);
    await startBatches(users, names(101, RUNNING - SURGE - 100));
    const running = names(1, RUNNING);

    say(`${engine}: at ${RUNNING} running`);
    const scheduler2000 = await schedulerLoad(sim, RUNNING, POLL_SECONDS);
    const memoryIdle = hubMemory(sim);
    const cpuMany = await proxyCpu(sim, users, first);
    const api = await apiAtSize(sim, users, browser, running, USERS + 1, RATE, SECONDS);

    say(`${engine}: SIGKILL with ${RUNNING} running and ${QUEUED} queued`);
    hold = true;
    const queued = names(RUNNING + 1, QUEUED);
    const queuedAnswers = await users.pressStart(queued, 1000);
    if (queuedAnswers.some((a) => a.status !== 202)) throw new Error('a queued start was not accepted');
    // Submitted, and the job saved by the hub (a kill between the two is the fault rounds' case).
    while (sim.slurm.calls.submit < RUNNING + QUEUED || (await sim.launching()) > 0)
      await new Promise((r) => setTimeout(r, 200));
    hold = false;
    const restartFigures = await restart(sim, users, running, queued);

    say(`${engine}: ${FAULT_ROUNDS} rounds of SIGKILL during starts and stops`);
    const faults: string[][] = [];
    for (let round = 0; round < FAULT_ROUNDS; round++) {
      const starting = names(RUNNING + QUEUED + 1 + round * 10, 10);
      const stopping = names(101 + round * 5, 5);
      faults.push(await users.killedDuring(starting, stopping, Math.random() * 800));
    }
    const ratio =
      cpuOne.net_cpu_us_per_request > 0 ? cpuMany.net_cpu_us_per_request / cpuOne.net_cpu_us_per_request : 0;
    return {
      engine,
      users: USERS + 1,
      scheduler: {
        poll_interval_s: POLL_SECONDS,
        at: [scheduler10, scheduler100, scheduler2000],
      },
      proxy_cpu: {
        one_server: cpuOne,
        many_routes: { routes: RUNNING, ...cpuMany },
        ratio_many_vs_one: Math.round(ratio * 1000) / 1000,
      },
      api_at_size: { running: RUNNING, ...api, event_loop_delay: named(api.event_loop_delay, 'api') },
      memory_at_size: { idle: memoryIdle, after_traffic: api.memory },
      surge: { ...surgeFigures, event_loop_delay: named(surgeFigures.event_loop_delay, 'surge') },
      restart: { ...restartFigures, event_loop_delay: named(restartFigures.event_loop_delay, 'restart') },
      faults: {
        rounds: FAULT_ROUNDS,
        starts_per_round: 10,
        stops_per_round: 5,
        rounds_with_problems: faults.filter((f) => f.length > 0).length,
        problems: faults.flat().slice(0, 50),
      },
      server_errors_seen: users.serverErrors().length,
      hub_log_errors: sim.hub.logLines.filter((l) => /"level":(50|60)/.test(l)).length,
      agent_problems: sim.fleet.problems.slice(0, 20),
      loadavg_end: load(),
    };
  } finally {
    await sim.stop();
  }
}

type EngineResult = Awaited<ReturnType<typeof runEngine>>;

/** Each goal of the issue beside the figure that answers it. */
function goals(r: EngineResult) {
  const many = r.scheduler.at.at(-1);
  return {
    api_p99_under_50ms: { figure_ms: r.api_at_size.worst_p99_ms, met: r.api_at_size.worst_p99_ms < 50 },
    rss_under_300mb: {
      figure_mb: r.memory_at_size.after_traffic.peak_rss_mb,
      met: r.memory_at_size.after_traffic.peak_rss_mb < 300,
    },
    proxy_cpu_within_5_percent: {
      figure_ratio: r.proxy_cpu.ratio_many_vs_one,
      met: Math.abs(r.proxy_cpu.ratio_many_vs_one - 1) <= 0.05,
    },
    restart_under_5s: { figure_s: r.restart.every_route_serves_s, met: r.restart.every_route_serves_s < 5 },
    restart_none_lost_none_twice: {
      met:
        r.restart.routes_not_serving === 0 &&
        r.restart.queued_not_ready_after === 0 &&
        r.restart.submitted_again === 0,
    },
    surge_all_accepted_or_429: {
      met: r.surge.other_answers.length === 0 && r.surge.refused_429 === r.surge.refused_with_retry_after,
    },
    surge_all_ready_within_60s: {
      figure_s: r.surge.last_ready_s,
      met: r.surge.not_ready === 0 && r.surge.last_ready_s <= 60,
    },
    surge_event_loop_p99_under_100ms: {
      figure_ms: r.surge.event_loop_delay?.p99_ms ?? null,
      met: (r.surge.event_loop_delay?.p99_ms ?? Number.POSITIVE_INFINITY) < 100,
    },
    one_squeue_per_interval: {
      figure: r.scheduler.at.map((s) => s.queries_per_interval),
      met:
        r.scheduler.at.every((s) => s.queries_per_interval <= 1 && s.jobs_per_query.length === 1) &&
        many?.jobs_per_query[0] === r.api_at_size.running,
    },
    faults_no_orphan_none_stuck: {
      figure_rounds_with_problems: r.faults.rounds_with_problems,
      met: r.faults.rounds_with_problems === 0,
    },
  };
}

/** How long each part took, in seconds (the whole run's time is their sum). */
const durations: Record<string, number> = {};

/** Runs one part if BENCH_SCALE_PARTS names it; a part that fails is recorded with its error. */
async function part<T>(name: string, run: () => Promise<T>): Promise<T | PartError | undefined> {
  if (!PARTS.includes(name)) return undefined;
  say(name);
  const started = performance.now();
  try {
    return await run();
  } catch (error) {
    console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exitCode = 1;
    return { error: error instanceof Error ? error.message : String(error) };
  } finally {
    durations[name] = Math.round((performance.now() - started) / 1000);
  }
}

async function main(): Promise<void> {
  const results: ((EngineResult & { goals: ReturnType<typeof goals> }) | ({ engine: string } & PartError))[] =
    [];
  for (const engine of ENGINES) {
    const r = await part(engine, () => runEngine(engine));
    if (r) results.push(failed(r) ? { engine, ...r } : { ...r, goals: goals(r) });
  }
  const faultsReal = await part('faults', realFaults);
  const outDir = QUICK ? mkdtempSync(join(tmpdir(), 'hpchub-bench-scale-')) : join(ROOT, 'bench/results');
  const proxy = await part('proxy', async () =>
    proxyFigures(
      (await runPart('proxy', join(outDir, 'proxy.json'), QUICK ? ['--quick'] : [])) as ProxyReport,
    ),
  );
  const spawn = await part('spawn', async () =>
    spawnFigures(
      (await runPart('spawn', join(outDir, 'spawn.json'), [], {
        BENCH_SPAWN_ROUNDS: process.env.BENCH_SPAWN_ROUNDS ?? (QUICK ? '2' : '10'),
      })) as SpawnReport,
    ),
  );
  const summary = goalSummary({ engines: results, faults_real: faultsReal, proxy, spawn });
  const report = {
    benchmark: 'scale',
    date: new Date().toISOString(),
    method:
      'The real hub (hpchub start’s code, real Slurm spawner, default settings but poll_interval 5 s as default and the simulated cluster) in its own process; ' +
      'FakeSlurm in the benchmark’s process through a loopback bridge (jobs wait 0.5–3 s in its queue; an squeue costs 20 ms + 0.2 ms per job held); ' +
      'simulated agents in the benchmark’s process built from hpchub-agent’s own parts (settings, TLS frontend with the secret check, hub messages with retries, heartbeats every 60 s), forwarding to one tiny app. ' +
      `Users written into the database; servers started through the REST API as users do. Mixed traffic: ${RATE} requests/s open-loop over six routes for ${SECONDS} s; then the database queries per request of each route (50 requests one after another, from the hub’s query metrics, net of an idle stretch as long right after). ` +
      'CPU per proxied request, at 1 route and again at 2,000 the same way: 10,000 requests to one server to warm up (the JIT), then 5 rounds of 4,000, 16 at a time, each followed by an idle stretch of the same length; per round the hub’s CPU (nanoseconds of all its threads, /proc/PID/task/*/schedstat) net of the idle stretch’s; the median of the rounds. ' +
      'Restart: SIGKILL, then every route requested by 50 clients (each sends its next request when its last was answered) until each has answered 200 (the hub, once it listens, opens a TLS connection to each agent ahead of its first request, 8 at a time, and a first request that comes before its route’s opens its own; the agents’ side of each handshake runs here, on the same cores), then all again, warm; connected_ahead: the hub’s summary of connecting ahead, done_s after the kill. Event loop delay: monitorEventLoopDelay in the hub’s process over the surge. ' +
      'The load generator, the agents and the fake Slurm share the machine’s cores with the hub: figures are from one run on a shared 2-core machine, each with its load average. ' +
      'proxy: the figures of bench:proxy run as a part of this run (its report in bench/results/proxy.json; method there): hpchub’s proxy against configurable-http-proxy and nginx with a 1 KiB upstream, the full path (hub proxy → TLS → agent → app) against configurable-http-proxy straight to the app, p99 added at 1,000 requests/s with the hub’s event loop delay and GC pauses, CPU per request per hop and the replaced run’s. ' +
      'Its hub runs on SQLite only: a proxied request is answered from the route table and a cache of whose credential it is, so the database is touched only by those cache refills and the activity flushes, which on SQLite run synchronously in the hub’s event loop (the engine on which a stall from them would show). ' +
      'spawn: the figures of bench:spawn run as a part (report in bench/results/spawn.json): a JupyterLab start on real Slurm against JupyterHub with batchspawner, p50 over the rounds, and the hub’s own share of a start by step; its hub runs on SQLite. ' +
      'goals: every goal of the issue beside its figure, per engine where the engine applies.',
    duration_s: { ...durations, total: Object.values(durations).reduce((a, b) => a + b, 0) },
    machine: {
      hostname: hostname(),
      cpus: cpus().length,
      cpu_model: cpus()[0]?.model ?? '',
      mem_gib: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    results,
    faults_real: faultsReal,
    proxy,
    spawn,
    goals: summary,
  };
  mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
  writeFileSync(join(ROOT, 'bench/results/scale.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeReadmeTable();
  console.log(
    JSON.stringify({
      benchmark: 'scale',
      goals: summary,
      duration_s: report.duration_s,
    }),
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
