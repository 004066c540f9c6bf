// Keeping usage summaries (usage_summaries) with the records: every change of a record moves its
// summary rows by the difference between what the record added before and what it adds now, in
// the transaction that changes the record, so the summaries always equal the records (a change
// written twice moves nothing the second time). The rows are those of the record's local day,
// week and month, over all records and per group the user was in when the start was requested.
import { type ExpressionBuilder, type Kysely, PostgresAdapter } from 'kysely';
import type { Database, UsageRecordsTable, UsageSummariesTable } from '../db/schema.js';
import { type CivilDate, civilDateAt, periodStart } from './calendar.js';
import { type Contribution, Tally, type TallyColumns } from './tally.js';

type Db = Kysely<Database>;

/** hub_kv key of the time zone the summaries count periods in; no such row: none are kept. */
export const SUMMARY_ZONE_KEY = 'usage_summaries.zone';
export const SUMMARY_KINDS = ['day', 'week', 'month'] as const;

export type SummaryKey = Pick<
  UsageSummariesTable,
  'grouped' | 'kind' | 'period' | 'app' | 'partition' | 'grp'
>;

/** What of a record its summaries depend on. */
export type SummarisedRecord = Pick<
  UsageRecordsTable,
  | 'requested_at'
  | 'app'
  | 'partition'
  | 'user_name'
  | 'cores'
  | 'gpus'
  | 'used_run_seconds'
  | 'queue_wait_seconds'
  | 'time_to_ready_seconds'
>;

/** The zone the summaries are kept in, or undefined when they are not (yet) kept. */
export async function summaryZone(db: Db): Promise<string | undefined> {
  const row = await db
    .selectFrom('hub_kv')
    .select('value')
    .where('key', '=', SUMMARY_ZONE_KEY)
    .executeTakeFirst();
  return row?.value;
}

/** Whether `db` talks to PostgreSQL (whose concurrent writers need row locks). */
export const isPostgres = (db: Db) => db.getExecutor().adapter instanceof PostgresAdapter;

/** What a record adds to its summaries: hours of ended starts only (running ones count live). */
export function contribution(r: SummarisedRecord, userId: number): Contribution {
  const used = Number(r.used_run_seconds ?? 0);
  return {
    user: userId,
    coreSeconds: Number(r.cores) * used,
    gpuSeconds: Number(r.gpus) * used,
    queueWait: r.queue_wait_seconds === null ? null : Number(r.queue_wait_seconds),
    timeToReady: r.time_to_ready_seconds === null ? null : Number(r.time_to_ready_seconds),
  };
}

/** The summary rows a record requested on `day` counts in. */
export function summaryKeys(
  day: CivilDate,
  r: Pick<SummarisedRecord, 'app' | 'partition'>,
  groups: readonly string[],
): SummaryKey[] {
  const keys: SummaryKey[] = [];
  const base = { app: r.app, partition: r.partition ?? '' };
  for (const kind of SUMMARY_KINDS) {
    const period = periodStart(day, kind);
    keys.push({ grouped: 0, kind, period, ...base, grp: '' });
    for (const grp of groups.length === 0 ? [''] : groups)
      keys.push({ grouped: 1, kind, period, ...base, grp });
  }
  return keys;
}

const same = (a: Contribution, b: Contribution) =>
  a.coreSeconds === b.coreSeconds &&
  a.gpuSeconds === b.gpuSeconds &&
  a.queueWait === b.queueWait &&
  a.timeToReady === b.timeToReady;

/**
 * The record `before` is now `after` (`before` undefined: a new record). `db` must be the
 * transaction that changed the record, which holds the record's row (locked on PostgreSQL).
 */
export async function updateSummaries(
  db: Db,
  groups: readonly string[],
  before: SummarisedRecord | undefined,
  after: SummarisedRecord,
): Promise<void> {
  if (before && same(contribution(before, 0), contribution(after, 0))) return;
  const zone = await summaryZone(db);
  if (zone === undefined) return;
  const user = await usageUserId(db, after.user_name);
  const now = contribution(after, user);
  const was = before && contribution(before, user);
  const day = civilDateAt(new Date(after.requested_at), zone);
  // In key order, so concurrent writers lock shared rows in the same order (no deadlock).
  const keys = summaryKeys(day, after, groups).sort(compareKeys);
  // Only the columns that change are written: a large user list stays untouched (on PostgreSQL
  // not even copied) by every step after the first.
  const changed = (c: keyof TallyColumns) =>
    !was ||
    (c === 'queue_waits' && was.queueWait !== now.queueWait) ||
    (c === 'times_to_ready' && was.timeToReady !== now.timeToReady);
  for (const key of keys) {
    const tally = await lockRow(db, key);
    if (was) tally.add(was, -1);
    tally.add(now);
    const { sessions, core_seconds, gpu_seconds, ...lists } = tally.columns();
    await db
      .updateTable('usage_summaries')
      .set({
        sessions,
        core_seconds,
        gpu_seconds,
        ...Object.fromEntries(Object.entries(lists).filter(([c]) => changed(c as keyof TallyColumns))),
      })
      .where(isKey(key))
      .execute();
  }
}

/**
 * The number of `name` in usage_users, which it gets on its first record. Looked up before any
 * insert: on PostgreSQL an insert that meets the name takes a number all the same, and the
 * highest number should stay near the number of users (the statistics index an array by them).
 */
async function usageUserId(db: Db, name: string): Promise<number> {
  const find = () => db.selectFrom('usage_users').select('id').where('name', '=', name).executeTakeFirst();
  const found = await find();
  if (found) return Number(found.id);
  await db
    .insertInto('usage_users')
    .values({ name })
    .onConflict((oc) => oc.doNothing())
    .execute();
  return Number((await find())?.id);
}

const isKey = (key: SummaryKey) => (eb: ExpressionBuilder<Database, 'usage_summaries'>) =>
  eb.and(Object.entries(key).map(([c, v]) => eb(c as keyof SummaryKey, '=', v)));

/** The row of `key`, created empty when missing, locked on PostgreSQL (SQLite has one writer). */
async function lockRow(db: Db, key: SummaryKey): Promise<Tally> {
  await db
    .insertInto('usage_summaries')
    .values({ ...key, ...new Tally().columns() })
    .onConflict((oc) => oc.doNothing())
    .execute();
  const row = await db
    .selectFrom('usage_summaries')
    .selectAll()
    .where(isKey(key))
    .$if(isPostgres(db), (qb) => qb.forUpdate())
    .executeTakeFirstOrThrow();
  return Tally.from(row);
}

const compareKeys = (a: SummaryKey, b: SummaryKey) =>
  a.grouped - b.grouped ||
  a.kind.localeCompare(b.kind) ||
  a.period.localeCompare(b.period) ||
  a.app.localeCompare(b.app) ||
  a.partition.localeCompare(b.partition) ||
  a.grp.localeCompare(b.grp);
