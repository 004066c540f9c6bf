// Writing usage records: one per start of a server, opened when the start is accepted and
// completed as the start goes on (submitted, job running, app ready, ended). The spawning service
// is the only caller; every step names the moment it happened, so a history can be replayed.
// Each step changes the record and its summaries (summaries.ts) in one transaction.
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Database, UsageRecordsTable } from '../db/schema.js';
import { groupsOfUsers } from '../users/store.js';
import { isPostgres, updateSummaries } from './summaries.js';

type Db = Kysely<Database>;

/** What a start asked for, as its validated options hold it. */
export interface UsageRequest {
  serverId: number;
  user: { id: number; name: string };
  app: string;
  serverName: string;
  /** The start's validated options (cores, gpus, memory_gb, hours, partition, account…). */
  options: Record<string, unknown>;
}

const seconds = (from: string | null, to: string): number | null =>
  from === null ? null : Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));

const int = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : null);
const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);

/**
 * The resources of a start. A spawner that asks for no cores (local processes) runs the app on
 * at least one, so a start counts one core unless it asked for more; GPUs count only when asked.
 */
export function requestedResources(options: Record<string, unknown>) {
  const hours = int(options.hours);
  return {
    partition: text(options.partition),
    account: text(options.account),
    cores: int(options.cores) ?? 1,
    gpus: int(options.gpus) ?? 0,
    memory_gb: int(options.memory_gb),
    requested_run_seconds: hours === null ? null : hours * 3600,
  };
}

/** A start was accepted at `at`: its record opens, with the user's groups of this moment. */
export async function openRecord(db: Db, start: UsageRequest, at: string): Promise<void> {
  const groups = (await groupsOfUsers(db, [start.user.id])).get(start.user.id) ?? [];
  await inTransaction(db, async (tx) => {
    // A start that is accepted again (a hub that crashed before it was launched) keeps one record.
    await closeOpen(tx, start.serverId, at, 'unknown');
    const record = await tx
      .insertInto('usage_records')
      .values({
        server_id: start.serverId,
        user_name: start.user.name,
        server_name: start.serverName,
        app: start.app,
        ...requestedResources(start.options),
        requested_at: at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (groups.length > 0)
      await tx
        .insertInto('usage_record_groups')
        .values(groups.map((group_name) => ({ record_id: record.id, group_name })))
        .execute();
    await updateSummaries(tx, groups, undefined, record);
  });
}

type OpenRecord = Selectable<UsageRecordsTable>;

/** `db` itself when it is a transaction already (the caller's), else a new one. */
function inTransaction<T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}

/** The open record of a server, if it has one; `tx` must be a transaction (it locks the row). */
function openOf(tx: Db, serverId: number): Promise<OpenRecord | undefined> {
  return tx
    .selectFrom('usage_records')
    .selectAll()
    .where('server_id', '=', serverId)
    .where('ended_at', 'is', null)
    .orderBy('id', 'desc')
    .$if(isPostgres(tx), (qb) => qb.forUpdate())
    .executeTakeFirst();
}

/** Changes the open record of `serverId` to what `change` says of it, summaries included. */
function changeOpen<T>(
  db: Db,
  serverId: number,
  change: (open: OpenRecord) => { set: Updateable<UsageRecordsTable>; result: T } | undefined,
): Promise<T | null> {
  return inTransaction(db, async (tx) => {
    const open = await openOf(tx, serverId);
    const changed = open && change(open);
    if (!open || !changed) return null;
    await tx.updateTable('usage_records').set(changed.set).where('id', '=', open.id).execute();
    const groups = await tx
      .selectFrom('usage_record_groups')
      .select('group_name')
      .where('record_id', '=', open.id)
      .execute();
    await updateSummaries(
      tx,
      groups.map((g) => g.group_name),
      open,
      { ...open, ...changed.set } as OpenRecord,
    );
    return changed.result;
  });
}

/** The job was launched at `at`; with a spawner whose jobs never queue, it runs from then too. */
export async function recordSubmitted(db: Db, serverId: number, at: string, runsAtOnce: boolean) {
  await changeOpen(db, serverId, () => ({
    set: runsAtOnce ? { submitted_at: at, started_at: at, queue_wait_seconds: 0 } : { submitted_at: at },
    result: undefined,
  }));
}

/** The job was first seen running at `at`, on `node` when the spawner said; its queue wait. */
export async function recordRunning(
  db: Db,
  serverId: number,
  at: string,
  node: string | undefined,
): Promise<number | null> {
  return changeOpen(db, serverId, (open) => {
    if (open.started_at !== null) return undefined;
    const queueWait = seconds(open.submitted_at ?? open.requested_at, at);
    return {
      set: { started_at: at, node: node ?? open.node, queue_wait_seconds: queueWait },
      result: queueWait,
    };
  });
}

/**
 * The app answered at `at`. A job that ran and got ready between two polls was never seen
 * running: it counts as running from this moment (the latest it can have started).
 */
export async function recordReady(
  db: Db,
  serverId: number,
  at: string,
  node: string,
): Promise<{ startup: number; timeToReady: number } | null> {
  return changeOpen(db, serverId, (open) => {
    const started = open.started_at ?? at;
    const startup = seconds(started, at) ?? 0;
    const timeToReady = seconds(open.requested_at, at) ?? 0;
    return {
      set: {
        ready_at: at,
        started_at: started,
        node: open.node ?? node,
        queue_wait_seconds: seconds(open.submitted_at ?? open.requested_at, started),
        startup_seconds: startup,
        time_to_ready_seconds: timeToReady,
      },
      result: { startup, timeToReady },
    };
  });
}

/** The server ended at `at` for `reason`: its run time is final. `db` may be a transaction. */
export async function recordEnded(db: Db, serverId: number, at: string, reason: string): Promise<void> {
  await closeOpen(db, serverId, at, reason);
}

async function closeOpen(db: Db, serverId: number, at: string, reason: string): Promise<void> {
  await changeOpen(db, serverId, (open) => ({
    set: { ended_at: at, end_reason: reason, used_run_seconds: seconds(open.started_at, at) ?? 0 },
    result: undefined,
  }));
}
