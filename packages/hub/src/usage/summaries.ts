// Keeping usage summaries (usage_summaries) with the records: every change of a record moves its
// summary rows by the difference between what the record added before and what it adds now, in
// the transaction that changes the record, so the summaries always equal the records (a change
// written twice moves nothing the second time). The rows are those of the record's local day,
// week and month, over all records and per group the user was in when the start was requested.
import { type ExpressionBuilder, type Kysely, PostgresAdapter } from 'kysely';
import type { Database, UsageRecordsTable, UsageSummariesTable } from '../db/schema.js';
import { type CivilDate, civilDateAt, periodStart } from './calendar.js';
import { type Contribution, movedCount, Tally, type TallyColumns, withUser } from './tally.js';

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
  // Only the columns that change are read and written: a step after the first (its user is
  // already listed) neither parses nor writes the user list, which in a busy month holds thousands.
  for (const key of keys) {
    const row = await lockRow(db, key, !was);
    const change: Partial<TallyColumns> = {
      sessions: Number(row.sessions) + (was ? 0 : 1),
      core_seconds: Number(row.core_seconds) + now.coreSeconds - (was?.coreSeconds ?? 0),
      gpu_seconds: Number(row.gpu_seconds) + now.gpuSeconds - (was?.gpuSeconds ?? 0),
    };
    if (!was || was.queueWait !== now.queueWait)
      change.queue_waits = movedCount(row.queue_waits, was?.queueWait ?? null, now.queueWait);
    if (!was || was.timeToReady !== now.timeToReady)
      change.times_to_ready = movedCount(row.times_to_ready, was?.timeToReady ?? null, now.timeToReady);
    if (!was && row.users !== undefined) {
      const users = withUser(row.users, user);
      if (users !== undefined) change.users = users;
    }
    await db.updateTable('usage_summaries').set(change).where(isKey(key)).execute();
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

/**
 * The row of `key`, created empty when missing, locked on PostgreSQL (SQLite has one writer):
 * its counts, and its user list only when asked for.
 */
async function lockRow(db: Db, key: SummaryKey, withUsers: boolean) {
  await db
    .insertInto('usage_summaries')
    .values({ ...key, ...new Tally().columns() })
    .onConflict((oc) => oc.doNothing())
    .execute();
  return db
    .selectFrom('usage_summaries')
    .select(['sessions', 'core_seconds', 'gpu_seconds', 'queue_waits', 'times_to_ready'])
    .$if(withUsers, (qb) => qb.select('users'))
    .where(isKey(key))
    .$if(isPostgres(db), (qb) => qb.forUpdate())
    .executeTakeFirstOrThrow();
}

const compareKeys = (a: SummaryKey, b: SummaryKey) =>
  a.grouped - b.grouped ||
  a.kind.localeCompare(b.kind) ||
  a.period.localeCompare(b.period) ||
  a.app.localeCompare(b.app) ||
  a.partition.localeCompare(b.partition) ||
  a.grp.localeCompare(b.grp);
