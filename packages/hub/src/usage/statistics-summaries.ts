// Usage statistics from the summaries (usage_summaries): whole periods from the summary of the
// period, a first or last period the range cuts from the summaries of its days, servers still
// running from the records (usage/statistics-records.ts). Distinct users and medians merge
// exactly (tally.ts), so the answer equals the one counted from the records.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { addDays, earlier, later, nextPeriod, type Period, periodStart } from './calendar.js';
import { addRunning, finishRows, type Key, type PeriodRow, rowId } from './period-rows.js';
import type { UsageQuery, UsageRow } from './statistics.js';
import { runningServers } from './statistics-records.js';
import { DistinctCounter, medianOf, type ParsedTally, parseTally, Tally } from './tally.js';

type Db = Kysely<Database>;

/** Which summaries make up `periods`: [kind, first period, last period] ranges. */
function spans(periods: Period[], q: UsageQuery): ['day' | 'week' | 'month', string, string][] {
  const end = addDays(q.to, 1);
  const out: ['day' | 'week' | 'month', string, string][] = [];
  const whole: string[] = [];
  for (const p of periods) {
    const next = nextPeriod(p.period, q.groupBy);
    const first = later(p.period, q.from);
    const stop = earlier(next, end);
    if (first === p.period && stop === next) whole.push(p.period);
    else out.push(['day', first, addDays(stop, -1)]);
  }
  if (whole.length > 0) out.push([q.groupBy, whole[0] as string, whole.at(-1) as string]);
  return out;
}

/** The rows of `periods` and the totals of the range, from the summaries. */
export async function summaryRows(
  db: Db,
  periods: Period[],
  q: UsageQuery,
  now: string,
): Promise<{ rows: UsageRow[]; totals: UsageRow[] }> {
  if (periods.length === 0) return { rows: [], totals: [] };
  const f = q.filters ?? {};
  // Within one group (a filter) or split by group: the rows per group; else those of all records.
  const grouped = q.by === 'group' || f.group !== undefined;
  const summaries = await db
    .selectFrom('usage_summaries')
    .selectAll()
    .where('grouped', '=', grouped ? 1 : 0)
    .where((eb) =>
      eb.or(
        spans(periods, q).map(([kind, first, last]) =>
          eb.and([eb('kind', '=', kind), eb('period', '>=', first), eb('period', '<=', last)]),
        ),
      ),
    )
    .$if(f.app !== undefined, (qb) => qb.where('app', '=', f.app as string))
    .$if(f.partition !== undefined, (qb) => qb.where('partition', '=', f.partition as string))
    .$if(f.group !== undefined, (qb) => qb.where('grp', '=', f.group as string))
    .execute();
  const byPeriod = new Map<string, Target>();
  const byKey = new Map<string, Target>();
  const into = (map: Map<string, Target>, period: string, key: Key, tally: ParsedTally) => {
    const id = rowId(period, key);
    let entry = map.get(id);
    if (!entry) {
      entry = { period, key, tally: new Tally(), users: [] };
      map.set(id, entry);
    }
    entry.tally.mergeParsed(tally, false);
    entry.users.push(tally.users);
  };
  for (const s of summaries) {
    const key = q.by === undefined ? null : keyOf(s, q.by);
    const period = s.kind === q.groupBy ? s.period : periodStart(s.period, q.groupBy);
    const tally = parseTally(s);
    into(byKey, '', key, tally);
    into(byPeriod, period, key, tally);
  }
  const distinct = new DistinctCounter([...byKey.values()].flatMap((t) => t.users));
  const running = await runningServers(db, periods, q);
  const rows = periodRows(byPeriod.values(), distinct);
  addRunning(rows, running, now);
  const totals = periodRows(byKey.values(), distinct);
  addRunning(
    totals,
    running.map((r) => ({ ...r, period: '' })),
    now,
  );
  return { rows: finishRows(rows.values()), totals: finishRows(totals.values()) };
}

function keyOf(s: { app: string; partition: string; grp: string }, by: NonNullable<UsageQuery['by']>): Key {
  if (by === 'app') return s.app;
  if (by === 'partition') return s.partition || null;
  if (by === 'group') return s.grp || null;
  throw new Error('the summaries hold no users: by user is counted from the records');
}

/** A row or total being merged: its tally without users, and the user lists of its summaries. */
interface Target {
  period: string;
  key: Key;
  tally: Tally;
  users: number[][];
}

function periodRows(targets: Iterable<Target>, distinct: DistinctCounter): Map<string, PeriodRow> {
  const out = new Map<string, PeriodRow>();
  for (const { period, key, tally, users } of targets) {
    if (tally.sessions === 0) continue;
    out.set(rowId(period, key), {
      period,
      key,
      sessions: tally.sessions,
      users: distinct.count(users),
      coreSeconds: tally.coreSeconds,
      gpuSeconds: tally.gpuSeconds,
      median_queue_wait_seconds: medianOf(tally.queueWaits),
      median_time_to_ready_seconds: medianOf(tally.timesToReady),
    });
  }
  return out;
}
