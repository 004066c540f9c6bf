// `npm run bench:metrics`: what the hub's Prometheus metrics cost where they are recorded most
// often, as CPU time per event (process.cpuUsage, not wall-clock), each side taken in turn over
// several rounds and the median kept:
//   1. a database query: a point select on a migrated SQLite file (the fastest query the hub
//      makes, so the worst case for the overhead), on a database opened without and with the
//      metrics' observer (Kysely's log hook);
//   2. one proxied request's recording: ProxyMetrics.exchanged (array additions), against the same
//      numbers recorded with prom-client's own labelled Histogram and Counters.
// The proxy's CPU per request end to end is bench:proxy's (run it before and after a change).
// Prints a report, writes bench/results/metrics.json, and ends with one JSON line of the numbers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Counter, Histogram, Registry } from 'prom-client';
import { migrateToLatest, openDatabase, type QueryObserver } from '../../packages/hub/src/db/index.js';
import { HubMetrics } from '../../packages/hub/src/metrics/index.js';
import { createUser } from '../../packages/hub/src/users/store.js';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 7;
const QUERIES = quick ? 5_000 : 20_000;
const RECORDINGS = quick ? 200_000 : 1_000_000;

const cpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const round3 = (n: number) => Math.round(n * 1000) / 1000;

/** CPU µs per point select on a SQLite file opened with (or without) a query observer. */
async function selectCost(file: string, observer: QueryObserver | undefined): Promise<number> {
  const h = await openDatabase(`sqlite:${file}`, { observer });
  try {
    const one = () => h.db.selectFrom('users').select(['id', 'name']).where('id', '=', 1).executeTakeFirst();
    for (let i = 0; i < 1000; i++) await one(); // warm-up
    const before = cpuMicros();
    for (let i = 0; i < QUERIES; i++) await one();
    return (cpuMicros() - before) / QUERIES;
  } finally {
    await h.close();
  }
}

async function database() {
  const dir = mkdtempSync(join(tmpdir(), 'hpchub-bench-metrics-'));
  const file = join(dir, 'hub.sqlite');
  try {
    const h = await openDatabase(`sqlite:${file}`);
    await migrateToLatest(h);
    await createUser(h.db, { name: 'ada' });
    await h.close();
    const metrics = new HubMetrics();
    const plain: number[] = [];
    const observed: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      plain.push(await selectCost(file, undefined));
      observed.push(await selectCost(file, metrics.queries));
    }
    const [p, o] = [median(plain), median(observed)];
    return {
      queries_per_round: QUERIES,
      rounds: ROUNDS,
      cpu_us_per_select_plain: round3(p),
      cpu_us_per_select_observed: round3(o),
      overhead_us: round3(o - p),
      overhead_ratio: round3(o / p),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function proxyRecording() {
  const metrics = new HubMetrics();
  const registry = new Registry();
  const labelNames = ['kind', 'status_class'];
  const histogram = new Histogram({
    name: 'h',
    help: 'h',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const received = new Counter({ name: 'r', help: 'r', labelNames, registers: [registry] });
  const sent = new Counter({ name: 's', help: 's', labelNames, registers: [registry] });
  const ours = () => {
    const before = cpuMicros();
    for (let i = 0; i < RECORDINGS; i++)
      metrics.proxy.exchanged('http', 200, 0, 1024, 0.0005 + (i % 7) * 0.001);
    return ((cpuMicros() - before) * 1000) / RECORDINGS;
  };
  const promClient = () => {
    const before = cpuMicros();
    for (let i = 0; i < RECORDINGS; i++) {
      const labels = { kind: 'http', status_class: '2xx' };
      histogram.observe(labels, 0.0005 + (i % 7) * 0.001);
      received.inc(labels, 0);
      sent.inc(labels, 1024);
    }
    return ((cpuMicros() - before) * 1000) / RECORDINGS;
  };
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    a.push(ours());
    b.push(promClient());
  }
  return {
    recordings_per_round: RECORDINGS,
    rounds: ROUNDS,
    cpu_ns_per_request_recorded: Math.round(median(a)),
    cpu_ns_per_request_prom_client: Math.round(median(b)),
  };
}

async function main() {
  const load = loadavg();
  const [now = 0] = load;
  if (now > cpus().length)
    console.log(`note: load average ${now.toFixed(2)} on ${cpus().length} CPUs: expect noisy numbers`);
  console.log(`hpchub metrics overhead${quick ? ' (quick)' : ''}`);
  const db = await database();
  console.log(
    `1. SQLite point select: ${db.cpu_us_per_select_plain} µs CPU plain, ${db.cpu_us_per_select_observed} µs observed (+${db.overhead_us} µs, ${db.overhead_ratio}x), median of ${ROUNDS} rounds of ${QUERIES}`,
  );
  const proxy = proxyRecording();
  console.log(
    `2. recording one proxied request: ${proxy.cpu_ns_per_request_recorded} ns CPU (prom-client's labelled histogram and counters: ${proxy.cpu_ns_per_request_prom_client} ns)`,
  );
  const result = {
    when: new Date().toISOString(),
    quick,
    node: process.version,
    cpus: cpus().length,
    load_average: { start: load.map((l) => round3(l)), end: loadavg().map((l) => round3(l)) },
    database: db,
    proxy_recording: proxy,
  };
  writeFileSync(new URL('../results/metrics.json', import.meta.url), `${JSON.stringify(result, null, 2)}\n`);
  console.log(
    JSON.stringify({
      db_overhead_us: db.overhead_us,
      db_overhead_ratio: db.overhead_ratio,
      proxy_record_ns: proxy.cpu_ns_per_request_recorded,
      proxy_record_prom_client_ns: proxy.cpu_ns_per_request_prom_client,
    }),
  );
}

await main();
