// Usage statistics: one query per measure family over the usage records, grouped by calendar
// period (periods of the hub's time zone, calendar.ts) and by app, user, group or partition.
// A start counts in the period in which it was requested, with all of its hours. Servers still
// running count up to `now`. The same queries serve the API, the admin page, its CSV and the
// home page, on SQLite and PostgreSQL alike (nothing but portable SQL).
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Period, PeriodKind } from './calendar.js';
import { periodsBetween } from './calendar.js';

type Db = Kysely<Database>;

export const DIMENSIONS = ['app', 'user', 'group', 'partition'] as const;
export type Dimension = (typeof DIMENSIONS)[number];

export const MEASURES = [
  'sessions',
  'users',
  'core_hours',
  'gpu_hours',
  'median_queue_wait_seconds',
  'median_time_to_ready_seconds',
] as const;
export type Measure = (typeof MEASURES)[number];

export interface UsageFilters {
  app?: string;
  group?: string;
  partition?: string;
  user?: string;
}

export interface UsageQuery {
  /** First and last day (`YYYY-MM-DD`, both included) in `zone`. */
  from: string;
  to: string;
  groupBy: PeriodKind;
  /** Split each period by this; none: one row per period. */
  by?: Dimension;
  filters?: UsageFilters;
  zone: string;
  /** Where running servers' hours stop counting; now by default. */
  now?: Date;
}

/** The measures of one key (null: no such value, or no split). */
export interface UsageTotal extends Record<Measure, number | null> {
  key: string | null;
  sessions: number;
  users: number;
  core_hours: number;
  gpu_hours: number;
}

/** The measures of one period, by its first day, and key. */
export interface UsageRow extends UsageTotal {
  period: string;
}

export interface UsageStatistics {
  /** Every period of the range, with data or not, in order. */
  periods: string[];
  /** One row per period and key that has starts, ordered by period and key. */
  rows: UsageRow[];
  /** The same measures over the whole range, per key. */
  totals: UsageTotal[];
}

export async function usageStatistics(db: Db, q: UsageQuery): Promise<UsageStatistics> {
  const periods = periodsBetween(q.from, q.to, q.groupBy, q.zone);
  const whole = periods.length === 0 ? [] : [{ period: '', from: periods[0]?.from, to: periods.at(-1)?.to }];
  const now = (q.now ?? new Date()).toISOString();
  const rows = await aggregate(db, periods, q, now);
  const totals = await aggregate(db, whole as Period[], q, now);
  return {
    periods: periods.map((p) => p.period),
    rows,
    totals: totals.map(({ period: _, ...total }) => total),
  };
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

type Key = string | null;
const id = (period: string, key: Key) => `${period}\u0000${key ?? ''}`;
const hours = (seconds: number) => Math.round((seconds / 3600) * 100) / 100;

async function aggregate(db: Db, periods: Period[], q: UsageQuery, now: string): Promise<UsageRow[]> {
  if (periods.length === 0) return [];
  const s = source(periods, q);
  const counts = await sql<{
    period: string;
    key: Key;
    sessions: number | string;
    users: number | string;
    core_seconds: number | string | null;
    gpu_seconds: number | string | null;
  }>`${s.with}
    select b.period as period, ${s.key} as key, count(*) as sessions,
      count(distinct r.user_name) as users,
      sum(r.cores * coalesce(r.used_run_seconds, 0)) as core_seconds,
      sum(r.gpus * coalesce(r.used_run_seconds, 0)) as gpu_seconds
    ${s.from} ${s.where()} group by ${s.groupBy}`.execute(db);
  const out = new Map<string, UsageRow & { coreSeconds: number; gpuSeconds: number }>();
  for (const r of counts.rows) {
    out.set(id(r.period, r.key), {
      period: r.period,
      key: r.key,
      sessions: Number(r.sessions),
      users: Number(r.users),
      core_hours: 0,
      gpu_hours: 0,
      coreSeconds: Number(r.core_seconds ?? 0),
      gpuSeconds: Number(r.gpu_seconds ?? 0),
      median_queue_wait_seconds: null,
      median_time_to_ready_seconds: null,
    });
  }
  // Servers still running: their hours so far.
  const running = await sql<{ period: string; key: Key; cores: number; gpus: number; started_at: string }>`
    ${s.with} select b.period as period, ${s.key} as key, r.cores as cores, r.gpus as gpus, r.started_at as started_at
    ${s.from} ${s.where([sql`r.ended_at is null`, sql`r.started_at is not null`])}`.execute(db);
  for (const r of running.rows) {
    const row = out.get(id(r.period, r.key));
    const elapsed = Math.max(0, (Date.parse(now) - Date.parse(r.started_at)) / 1000);
    if (row) {
      row.coreSeconds += Number(r.cores) * elapsed;
      row.gpuSeconds += Number(r.gpus) * elapsed;
    }
  }
  for (const measure of ['queue_wait_seconds', 'time_to_ready_seconds'] as const) {
    for (const m of await medians(db, s, measure)) {
      const row = out.get(id(m.period, m.key));
      if (row) row[`median_${measure}`] = m.median;
    }
  }
  return [...out.values()]
    .map(({ coreSeconds, gpuSeconds, ...row }) => ({
      ...row,
      core_hours: hours(coreSeconds),
      gpu_hours: hours(gpuSeconds),
    }))
    .sort((a, b) => a.period.localeCompare(b.period) || (a.key ?? '').localeCompare(b.key ?? ''));
}

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
