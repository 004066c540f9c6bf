// A user's own usage this week and last, for the home page: so people see what their servers
// cost, idle ones included (servers still running count up to now).
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { addDays, civilDateAt, periodStart } from './calendar.js';
import { usageStatistics } from './statistics.js';

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
  const stats = await usageStatistics(db, {
    from: lastMonday,
    to: today,
    groupBy: 'week',
    filters: { user },
    zone,
    now,
  });
  const week = (start: string): WeekTotals => {
    const row = stats.rows.find((r) => r.period === start);
    return {
      week: start,
      sessions: row?.sessions ?? 0,
      core_hours: row?.core_hours ?? 0,
      gpu_hours: row?.gpu_hours ?? 0,
    };
  };
  return [week(monday), week(lastMonday)];
}
