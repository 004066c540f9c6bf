// Usage statistics: per calendar period (periods of the hub's time zone, calendar.ts) and by
// app, user, group or partition. A start counts in the period in which it was requested, with
// all of its hours. Servers still running count up to `now`. The same answer serves the API,
// the admin page, its CSV and the home page, counted from the summaries the record writer keeps
// (statistics-summaries.ts) or from the records themselves (statistics-records.ts).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { Period, PeriodKind } from './calendar.js';
import { periodsBetween } from './calendar.js';
import { recordRows } from './statistics-records.js';
import { summaryRows } from './statistics-summaries.js';
import { summaryZone } from './summaries.js';

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

/**
 * The statistics `q` asks for. From the summaries when they are kept in the zone asked for and
 * hold the split, else from the records; the two agree exactly. The summaries hold no users (by
 * user and one user's own come from the records, which the (user_name, requested_at) index
 * serves), nor the other groups of a group's members (by group within one group).
 */
export async function usageStatistics(db: Db, q: UsageQuery): Promise<UsageStatistics> {
  const periods = periodsBetween(q.from, q.to, q.groupBy, q.zone);
  const now = (q.now ?? new Date()).toISOString();
  const f = q.filters ?? {};
  const summarised =
    q.by !== 'user' &&
    f.user === undefined &&
    !(q.by === 'group' && f.group !== undefined) &&
    (await summaryZone(db)) === q.zone;
  if (summarised) {
    const { rows, totals } = await summaryRows(db, periods, q, now);
    return { periods: periods.map((p) => p.period), rows, totals: totals.map(({ period: _, ...t }) => t) };
  }
  const whole = periods.length === 0 ? [] : [{ period: '', from: periods[0]?.from, to: periods.at(-1)?.to }];
  const [rows, totals] = await Promise.all([
    recordRows(db, periods, q, now),
    recordRows(db, whole as Period[], q, now),
  ]);
  return {
    periods: periods.map((p) => p.period),
    rows,
    totals: totals.map(({ period: _, ...total }) => total),
  };
}
