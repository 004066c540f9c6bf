// Usage statistics straight from the usage records: one query per measure family, grouped by
// calendar period and by app, user, group or partition. What the summaries cannot answer (by
// user, one user's own) comes from here, and so do the servers still running, which count up
// to now. Portable SQL only: SQLite and PostgreSQL alike.
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Period } from './calendar.js';
import {
  addRunning,
  finishRows,
  type Key,
  type PeriodRow,
  type RunningServer,
  rowId,
} from './period-rows.js';
import type { Dimension, UsageQuery, UsageRow } from './statistics.js';

type Db = Kysely<Database>;

/** Running servers' rows are the ones with a start (the counts' rows have none). */
const RUNNING = [sql`r.ended_at is null`, sql`r.started_at is not null`];

/**
 * The rows of `periods` (one period spanning all: the totals) from the records; the medians
 * only when asked (the home page's weekly totals need none). The counts and the servers still
 * running come from one statement: on PostgreSQL each statement is a round trip.
 */
export async function recordRows(
  db: Db,
  periods: Period[],
  q: UsageQuery,
  now: string,
  { medians: withMedians = true } = {},
): Promise<UsageRow[]> {
  if (periods.length === 0) return [];
  const s = source(periods, q);
  const counted = await sql<{
    period: string;
    key: Key;
    sessions: number | string;
    users: number | string;
    core_seconds: number | string | null;
    gpu_seconds: number | string | null;
    cores: number | null;
    gpus: number | null;
    started_at: string | null;
  }>`${s.with}
    select b.period as period, ${s.key} as key, count(*) as sessions,
      count(distinct r.user_name) as users,
      sum(r.cores * coalesce(r.used_run_seconds, 0)) as core_seconds,
      sum(r.gpus * coalesce(r.used_run_seconds, 0)) as gpu_seconds,
      null as cores, null as gpus, null as started_at
    ${s.from} ${s.where()} group by ${s.groupBy}
    union all
    select b.period, ${s.key}, 0, 0, 0, 0, r.cores, r.gpus, r.started_at
    ${s.from} ${s.where(RUNNING)}`.execute(db);
  const out = new Map<string, PeriodRow>();
  const running: RunningServer[] = [];
  for (const r of counted.rows) {
    if (r.started_at !== null) {
      running.push({
        period: r.period,
        key: r.key,
        cores: Number(r.cores),
        gpus: Number(r.gpus),
        started_at: r.started_at,
      });
      continue;
    }
    out.set(rowId(r.period, r.key), {
      period: r.period,
      key: r.key,
      sessions: Number(r.sessions),
      users: Number(r.users),
      coreSeconds: Number(r.core_seconds ?? 0),
      gpuSeconds: Number(r.gpu_seconds ?? 0),
      median_queue_wait_seconds: null,
      median_time_to_ready_seconds: null,
    });
  }
  addRunning(out, running, now);
  if (withMedians) {
    const found = await Promise.all([
      medians(db, s, 'queue_wait_seconds'),
      medians(db, s, 'time_to_ready_seconds'),
    ]);
    for (const [i, measure] of (['queue_wait_seconds', 'time_to_ready_seconds'] as const).entries()) {
      for (const m of found[i] ?? []) {
        const row = out.get(rowId(m.period, m.key));
        if (row) row[`median_${measure}`] = m.median;
      }
    }
  }
  return finishRows(out.values());
}

/** The servers still running that started in `periods`, with their period and key. */
export async function runningServers(db: Db, periods: Period[], q: UsageQuery): Promise<RunningServer[]> {
  if (periods.length === 0) return [];
  const s = source(periods, q);
  const { rows } = await sql<RunningServer>`
    ${s.with} select b.period as period, ${s.key} as key, r.cores as cores, r.gpus as gpus, r.started_at as started_at
    ${s.from} ${s.where(RUNNING)}`.execute(db);
  return rows;
}

/** The records of `periods` (a CTE `b` of them joined to `r`) with the key and filters of `q`. */
function source(periods: Period[], q: UsageQuery) {
  const values = sql.join(periods.map((p) => sql`(${p.period}, ${p.from}, ${p.to})`));
  const f = q.filters ?? {};
  const where: RawBuilder<unknown>[] = [];
  if (f.app !== undefined) where.push(sql`r.app = ${f.app}`);
  if (f.partition !== undefined) where.push(sql`r.partition = ${f.partition}`);
  if (f.user !== undefined) where.push(sql`r.user_name = ${f.user}`);
  if (f.group !== undefined)
    where.push(
      sql`exists (select 1 from usage_record_groups fg where fg.record_id = r.id and fg.group_name = ${f.group})`,
    );
  const key = q.by === undefined ? sql`null` : KEYS[q.by];
  return {
    with: sql`with b(period, lo, hi) as (values ${values})`,
    from: sql`from b join usage_records r on r.requested_at >= b.lo and r.requested_at < b.hi
      ${q.by === 'group' ? sql`left join usage_record_groups g on g.record_id = r.id` : sql``}`,
    where: (extra: RawBuilder<unknown>[] = []) => {
      const all = [...where, ...extra];
      return all.length === 0 ? sql`` : sql`where ${sql.join(all, sql` and `)}`;
    },
    key,
    groupBy: q.by === undefined ? sql`b.period` : sql`b.period, ${key}`,
  };
}

const KEYS: Record<Dimension, RawBuilder<unknown>> = {
  app: sql`r.app`,
  user: sql`r.user_name`,
  group: sql`g.group_name`,
  partition: sql`r.partition`,
};

/** The median of a duration column per period and key: the middle value, or the mean of the two. */
async function medians(
  db: Db,
  s: ReturnType<typeof source>,
  column: 'queue_wait_seconds' | 'time_to_ready_seconds',
): Promise<{ period: string; key: Key; median: number }[]> {
  const x = sql.ref(`r.${column}`);
  const partition = sql`partition by ${s.groupBy}`;
  const res = await sql<{ period: string; key: Key; median: number | string }>`${s.with},
    v as (select b.period as period, ${s.key} as key, ${x} as x,
        row_number() over (${partition} order by ${x}) as rn,
        count(*) over (${partition}) as n
      ${s.from} ${s.where([sql`${x} is not null`])})
    select period, key, avg(x) as median from v where rn in ((n + 1) / 2, (n + 2) / 2)
    group by period, key`.execute(db);
  return res.rows.map((r) => ({ period: r.period, key: r.key, median: Number(r.median) }));
}
