// Building the usage summaries from the records: when the hub starts and its summaries are
// missing (an upgrade: the records exist, their summaries not) or counted in another time zone
// (usage.time_zone changed). Reads the records one local day at a time, so each day, week and
// month is complete when its last day is read and goes to the database then.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';
import { addDays, type CivilDate, civilDateAt, periodStart, startOfDay } from './calendar.js';
import {
  contribution,
  SUMMARY_KINDS,
  SUMMARY_ZONE_KEY,
  type SummaryKey,
  summaryKeys,
  summaryZone,
} from './summaries.js';
import { Tally } from './tally.js';

type Db = Kysely<Database>;

const BATCH = 200;

export interface BuildResult {
  records: number;
  rows: number;
}

/** Builds the summaries when they are not kept in `zone`; undefined when they already were. */
export async function syncSummaries(db: Db, zone: string): Promise<BuildResult | undefined> {
  if ((await summaryZone(db)) === zone) return undefined;
  return buildSummaries(db, zone);
}

/** Replaces every summary with one built from the records, counted in `zone`. */
export function buildSummaries(db: Db, zone: string): Promise<BuildResult> {
  return db.transaction().execute(async (tx) => {
    await tx.deleteFrom('usage_summaries').execute();
    const result = await fill(tx, zone);
    await tx
      .insertInto('hub_kv')
      .values({ key: SUMMARY_ZONE_KEY, value: zone })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: zone }))
      .execute();
    return result;
  });
}

/** Every user name of the records numbered in usage_users; name → number. */
async function numberUsers(tx: Db): Promise<Map<string, number>> {
  await sql`insert into usage_users (name)
    select distinct user_name from usage_records
    where user_name not in (select name from usage_users)`.execute(tx);
  const rows = await tx.selectFrom('usage_users').select(['id', 'name']).execute();
  return new Map(rows.map((r) => [r.name, Number(r.id)]));
}

async function fill(tx: Db, zone: string): Promise<BuildResult> {
  const span = await tx
    .selectFrom('usage_records')
    .select((eb) => [eb.fn.min('requested_at').as('first'), eb.fn.max('requested_at').as('last')])
    .executeTakeFirst();
  const result = { records: 0, rows: 0 };
  if (!span?.first || !span.last) return result;
  const users = await numberUsers(tx);
  const open = new Map<string, { key: SummaryKey; tally: Tally }>();
  const last = civilDateAt(new Date(span.last), zone);
  for (let day = civilDateAt(new Date(span.first), zone); day <= last; day = addDays(day, 1)) {
    result.records += await addDay(tx, day, zone, users, open);
    const next = addDays(day, 1);
    // Periods that end with this day are complete.
    const ends = new Set(
      SUMMARY_KINDS.filter((kind) => next > last || periodStart(next, kind) !== periodStart(day, kind)),
    );
    const done = [...open].filter(([, { key }]) => ends.has(key.kind));
    for (let i = 0; i < done.length; i += BATCH) {
      const rows = done.slice(i, i + BATCH).map(([, { key, tally }]) => ({ ...key, ...tally.columns() }));
      await tx.insertInto('usage_summaries').values(rows).execute();
      result.rows += rows.length;
    }
    for (const [id] of done) open.delete(id);
  }
  return result;
}

/** The tally of `key` among the open ones, opened when missing. */
function openTally(open: Map<string, { key: SummaryKey; tally: Tally }>, key: SummaryKey): Tally {
  const id = [key.grouped, key.kind, key.period, key.app, key.partition, key.grp].join('\u0000');
  let entry = open.get(id);
  if (!entry) {
    entry = { key, tally: new Tally() };
    open.set(id, entry);
  }
  return entry.tally;
}

/** Adds the records requested on `day` to the open tallies; how many there were. */
async function addDay(
  tx: Db,
  day: CivilDate,
  zone: string,
  users: Map<string, number>,
  open: Map<string, { key: SummaryKey; tally: Tally }>,
): Promise<number> {
  const lo = startOfDay(day, zone);
  const hi = startOfDay(addDays(day, 1), zone);
  const records = await tx
    .selectFrom('usage_records')
    .select([
      'id',
      'requested_at',
      'app',
      'partition',
      'user_name',
      'cores',
      'gpus',
      'used_run_seconds',
      'queue_wait_seconds',
      'time_to_ready_seconds',
    ])
    .where('requested_at', '>=', lo)
    .where('requested_at', '<', hi)
    .execute();
  if (records.length === 0) return 0;
  const groups = new Map<number, string[]>();
  const { rows } = await sql<{ record_id: number; group_name: string }>`
    select record_id, group_name from usage_record_groups where record_id in
      (select id from usage_records where requested_at >= ${lo} and requested_at < ${hi})`.execute(tx);
  for (const g of rows) {
    const id = Number(g.record_id);
    const list = groups.get(id);
    if (list) list.push(g.group_name);
    else groups.set(id, [g.group_name]);
  }
  // The tallies of one app, partition and set of groups are the same for every record of the day.
  const tallies = new Map<string, Tally[]>();
  for (const r of records) {
    const own = groups.get(Number(r.id)) ?? [];
    const combination = [r.app, r.partition ?? '', ...own].join('\u0000');
    let targets = tallies.get(combination);
    if (!targets) {
      targets = summaryKeys(day, r, own).map((key) => openTally(open, key));
      tallies.set(combination, targets);
    }
    const c = contribution(r, users.get(r.user_name) as number);
    for (const t of targets) t.add(c);
  }
  return records.length;
}
