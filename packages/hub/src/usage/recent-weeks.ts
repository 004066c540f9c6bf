// A user's own usage this week and last, for the home page: so people see what their servers
// cost, idle ones included (servers still running count up to now).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { addDays, civilDateAt, periodStart, periodsBetween } from './calendar.js';
import { recordRows } from './statistics-records.js';

export interface WeekTotals {
  /** The Monday the week starts on. */
  week: string;
  sessions: number;
  core_hours: number;
  gpu_hours: number;
}

/** This week's and last week's totals of `user`, in `zone`; in that order. */
export async function recentWeeks(
  db: Kysely<Database>,
  user: string,
  zone: string,
  now = new Date(),
): Promise<[thisWeek: WeekTotals, lastWeek: WeekTotals]> {
  const today = civilDateAt(now, zone);
  const monday = periodStart(today, 'week');
  const lastMonday = addDays(monday, -7);
  // Straight from the records (one user's own are not in the summaries), without the medians
  // and the totals over both weeks, which the page does not show: one statement.
  const rows = await recordRows(
    db,
    periodsBetween(lastMonday, today, 'week', zone),
    { from: lastMonday, to: today, groupBy: 'week', filters: { user }, zone },
    now.toISOString(),
    { medians: false },
  );
  const week = (start: string): WeekTotals => {
    const row = rows.find((r) => r.period === start);
    return {
      week: start,
      sessions: row?.sessions ?? 0,
      core_hours: row?.core_hours ?? 0,
      gpu_hours: row?.gpu_hours ?? 0,
    };
  };
  return [week(monday), week(lastMonday)];
}
