// `npm run bench:usage`: usage statistics over 4 million records (2,000 starts a day for five
// and a half years), on SQLite and PostgreSQL: the admin page's weekly statistics of the last 26
// weeks by app, and a user's this-week/last-week totals of the home page. The records are
// generated inside the database; their summaries are then built as a hub does when it starts
// after the upgrade that brought them (usage/summaries-build.ts), timed. Each query runs 5
// times after one warm-up; the median is reported, with the query plans of the statistics'
// statements, in bench/results/usage.json. The same statistics counted from the records alone
// (the way before the summaries, and still the way by user) are timed once for comparison.
//
// Environment: BENCH_USAGE_RECORDS (default 4000000).
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { type CompiledQuery, type Kysely, type KyselyPlugin, sql } from 'kysely';
import type { Database } from '../../packages/hub/src/db/schema.js';
import { databaseEngines, type TestDatabase } from '../../packages/hub/src/test-support/db.js';
import { buildSummaries, recentWeeks, usageStatistics } from '../../packages/hub/src/usage/index.js';

const RECORDS = Number(process.env.BENCH_USAGE_RECORDS ?? 4_000_000);
const ZONE = 'Europe/Zurich';
const NOW = new Date('2026-12-06T12:00:00Z');
const SPAN_SECONDS = 5.5 * 365 * 86_400;
const START = Math.floor(NOW.getTime() / 1000) - SPAN_SECONDS;

/** Fills usage_records (and one group per record) with RECORDS generated rows. */
async function fill(h: TestDatabase): Promise<void> {
  const step = SPAN_SECONDS / RECORDS;
  const iso = (expr: string) =>
    h.engine === 'sqlite'
      ? `strftime('%Y-%m-%dT%H:%M:%S.000Z', ${expr}, 'unixepoch')`
      : `to_char(to_timestamp(${expr}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS".000Z"')`;
  const at = `(${START} + cast(i * ${step} as integer))`;
  const run = '(300 + (i * 104729) % 28800)';
  const series =
    h.engine === 'sqlite'
      ? `with recursive n(i) as (select 1 union all select i + 1 from n where i < ${RECORDS})`
      : `with n(i) as (select generate_series(1::bigint, ${RECORDS}))`;
  const cast = h.engine === 'sqlite' ? (x: string) => x : (x: string) => `(${x})::integer`;
  await sql
    .raw(`${series}
    insert into usage_records (server_id, user_name, server_name, app, partition, account, cores, gpus,
      memory_gb, requested_run_seconds, used_run_seconds, node, requested_at, submitted_at, started_at,
      ready_at, ended_at, queue_wait_seconds, startup_seconds, time_to_ready_seconds, end_reason)
    select null, 'u' || ((i * 7919) % 5000), '',
      case i % 4 when 0 then 'jupyterlab' when 1 then 'code-server' when 2 then 'rstudio' else 'tensorboard' end,
      case (i * 31) % 4 when 0 then 'normal' when 1 then 'gpu' when 2 then 'bigmem' else 'short' end,
      null, ${cast('1 + (i * 13) % 16')}, ${cast('case (i * 31) % 4 when 1 then 1 + i % 2 else 0 end')}, 8, 28800,
      ${cast(run)}, 'node' || (i % 40), ${iso(at)}, ${iso(at)}, ${iso(`${at} + (i * 17) % 600`)},
      ${iso(`${at} + (i * 17) % 600 + 20 + i % 40`)}, ${iso(`${at} + (i * 17) % 600 + ${run}`)},
      ${cast('(i * 17) % 600')}, ${cast('20 + i % 40')}, ${cast('(i * 17) % 600 + 20 + i % 40')}, 'user_stop'
    from n`)
    .execute(h.db);
  await sql
    .raw(`insert into usage_record_groups (record_id, group_name)
      select id, 'g' || (cast(substr(user_name, 2) as integer) % 50) from usage_records`)
    .execute(h.db);
  // Servers still running at the end: their records are open.
  await sql
    .raw(`update usage_records set ended_at = null, used_run_seconds = null where id > ${RECORDS - 200}`)
    .execute(h.db);
  await analyze(h);
}

async function analyze(h: TestDatabase): Promise<void> {
  await sql
    .raw(
      h.engine === 'sqlite'
        ? 'analyze'
        : 'vacuum analyze usage_records, usage_record_groups, usage_summaries',
    )
    .execute(h.db);
}

const seconds = (since: number) => Math.round((performance.now() - since) / 100) / 10;

/** A run of `fn` timed once, in ms. */
async function once(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return Math.round((performance.now() - t) * 10) / 10;
}

/** Records every statement the statistics run, compiled, for their plans. */
function capturing(db: Kysely<Database>): { db: Kysely<Database>; queries: CompiledQuery[] } {
  const queries: CompiledQuery[] = [];
  const plugin: KyselyPlugin = {
    transformQuery: (args) => {
      queries.push(db.getExecutor().compileQuery(args.node, args.queryId));
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return { db: db.withPlugin(plugin), queries };
}

/** The medians of 5 runs after a warm-up: wall-clock ms, and the CPU ms of this process (the
 * hub's side; a PostgreSQL server's own CPU is not in it), which other work on the machine
 * inflates far less than the wall clock. */
async function timed(fn: () => Promise<unknown>): Promise<{ ms: number; cpu_ms: number }> {
  await fn();
  const times: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const c = process.cpuUsage();
    await fn();
    const used = process.cpuUsage(c);
    times.push(performance.now() - t);
    cpu.push((used.user + used.system) / 1000);
  }
  const median = (v: number[]) => Math.round((v.sort((a, b) => a - b)[2] as number) * 10) / 10;
  return { ms: median(times), cpu_ms: median(cpu) };
}

async function plans(h: TestDatabase, queries: CompiledQuery[]): Promise<string[]> {
  const out: string[] = [];
  for (const q of queries) {
    const explain = h.engine === 'sqlite' ? 'explain query plan ' : 'explain (analyze, buffers) ';
    const res = await sql
      .raw<Record<string, unknown>>(explain + q.sql)
      .execute(h.db)
      .catch(() => undefined);
    const rows = res
      ? res.rows
      : ((await h.db.executeQuery({ ...q, sql: explain + q.sql })).rows as Record<string, unknown>[]);
    out.push(rows.map((r) => String(r['QUERY PLAN'] ?? r.detail ?? JSON.stringify(r))).join('\n'));
  }
  return out;
}

const results: Record<string, unknown> = {};
for (const engine of databaseEngines()) {
  const h = await engine.open();
  try {
    const t0 = performance.now();
    await fill(h);
    const fillSeconds = seconds(t0);
    const weekly = {
      from: '2026-06-08',
      to: '2026-12-06',
      groupBy: 'week' as const,
      by: 'app' as const,
      zone: ZONE,
      now: NOW,
    };
    // Before the summaries exist, the statistics come from the records.
    const fromRecordsMs = await once(() => usageStatistics(h.db, weekly));
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    const built = await buildSummaries(h.db, ZONE);
    const buildSeconds = seconds(t1);
    const c = process.cpuUsage(c1);
    const buildCpuSeconds = Math.round((c.user + c.system) / 100_000) / 10;
    await analyze(h);
    const weeklyMs = await timed(() => usageStatistics(h.db, weekly));
    const byGroupMs = await timed(() => usageStatistics(h.db, { ...weekly, by: 'group' as const }));
    const cutMs = await timed(() =>
      usageStatistics(h.db, { ...weekly, from: '2026-06-10', filters: { partition: 'gpu' } }),
    );
    const homeMs = await timed(() => recentWeeks(h.db, 'u42', ZONE, NOW));
    const cap = capturing(h.db);
    const stats = await usageStatistics(cap.db, weekly);
    results[engine.name] = {
      records: RECORDS,
      fill_seconds: fillSeconds,
      summaries_build_seconds: buildSeconds,
      summaries_build_cpu_seconds: buildCpuSeconds,
      summary_rows: built.rows,
      weekly_26_weeks_by_app_ms: weeklyMs.ms,
      weekly_26_weeks_by_app_cpu_ms: weeklyMs.cpu_ms,
      weekly_26_weeks_by_group_ms: byGroupMs.ms,
      weekly_26_weeks_by_group_cpu_ms: byGroupMs.cpu_ms,
      weekly_26_weeks_cut_weeks_one_partition_ms: cutMs.ms,
      weekly_26_weeks_by_app_from_records_ms: fromRecordsMs,
      home_user_two_weeks_ms: homeMs.ms,
      home_user_two_weeks_cpu_ms: homeMs.cpu_ms,
      weekly_rows: stats.rows.length,
      sessions_in_range: stats.totals.reduce((n, t) => n + t.sessions, 0),
      statements: cap.queries.map((q) => q.sql.replace(/\s+/g, ' ').slice(0, 120)),
      plans: await plans(h, cap.queries),
    };
    console.log(
      engine.name,
      JSON.stringify({
        fillSeconds,
        buildSeconds,
        buildCpuSeconds,
        weeklyMs,
        byGroupMs,
        cutMs,
        fromRecordsMs,
        homeMs,
      }),
    );
  } finally {
    await h.close();
  }
}
const out = {
  machine: { cpus: cpus().length, load: loadavg().map((l) => Math.round(l * 10) / 10) },
  results,
};
writeFileSync(new URL('../results/usage.json', import.meta.url), `${JSON.stringify(out, null, 2)}\n`);
console.log(JSON.stringify(out.machine));
