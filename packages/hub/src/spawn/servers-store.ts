// The servers table. Every write to it goes through here, and only the spawning service calls
// the writers; the pages, the API and the proxy use the readers. The end of a server also ends
// its usage record (usage/record.ts), in the same transaction.
import type { Kysely } from 'kysely';
import type { Database, ServerRow } from '../db/schema.js';
import { recordEnded } from '../usage/index.js';
import { nowIso } from '../util/time.js';
import type { SpawnerState } from './spawner.js';

type Db = Kysely<Database>;

/** Why a server ended, as recorded for the user and for usage statistics. */
export type ServerEndReason =
  | 'user_stop'
  | 'admin_stop'
  | 'start_failure'
  | 'time_limit'
  | 'node_failure'
  | 'exited'
  | 'cancelled'
  | 'idle_cull'
  | 'unknown';

export const ACTIVE_STATUSES = ['pending', 'running', 'stopping'] as const;

/** A JSON text column (options, spawner state) as the object it holds, or {} when it holds none. */
export function jsonColumn(text: string): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export function findServer(db: Db, userId: number, name: string): Promise<ServerRow | undefined> {
  return db
    .selectFrom('servers')
    .selectAll()
    .where('user_id', '=', userId)
    .where('name', '=', name)
    .executeTakeFirst();
}

export function findServerById(db: Db, id: number): Promise<ServerRow | undefined> {
  return db.selectFrom('servers').selectAll().where('id', '=', id).executeTakeFirst();
}

export function serversOfUsers(db: Db, userIds: number[]): Promise<ServerRow[]> {
  if (userIds.length === 0) return Promise.resolve([]);
  return db.selectFrom('servers').selectAll().where('user_id', 'in', userIds).orderBy('name').execute();
}

/** Servers in one of `statuses`, with their owners' names. */
function serversWithOwners(db: Db, statuses: readonly string[]): Promise<(ServerRow & { owner: string })[]> {
  return db
    .selectFrom('servers')
    .innerJoin('users', 'users.id', 'servers.user_id')
    .selectAll('servers')
    .select('users.name as owner')
    .where('servers.status', 'in', [...statuses])
    .execute();
}

/** Servers that are starting or running: what the monitor polls and a restarted hub re-adopts. */
export function activeServers(db: Db): Promise<(ServerRow & { owner: string })[]> {
  return serversWithOwners(db, ACTIVE_STATUSES);
}

/** Running servers: what the idle culler looks at. */
export function runningServers(db: Db): Promise<(ServerRow & { owner: string })[]> {
  return serversWithOwners(db, ['running']);
}

export async function countActive(db: Db, userId?: number): Promise<number> {
  let q = db.selectFrom('servers').where('status', 'in', [...ACTIVE_STATUSES]);
  if (userId !== undefined) q = q.where('user_id', '=', userId);
  const row = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Creates the server row, or resets a stopped one, as pending for a new start, holding its place
 * in the hub's start line (`line_ticket`) until its job is launched. No agent secret yet: one is
 * made when the start leaves the line (setAgentSecret).
 */
export async function beginStart(
  db: Db,
  fields: { userId: number; name: string; app: string; options: object; lineTicket: number },
): Promise<ServerRow> {
  const now = nowIso();
  const values = {
    app: fields.app,
    options: JSON.stringify(fields.options),
    spawner_state: '{}',
    status: 'pending',
    route: null,
    secret_hash: null,
    line_ticket: fields.lineTicket,
    limit_ends: null,
    started: now,
    ready: null,
    stopped: null,
    last_activity: now,
    end_reason: null,
    end_detail: null,
  };
  const existing = await findServer(db, fields.userId, fields.name);
  if (existing) {
    await db.updateTable('servers').set(values).where('id', '=', existing.id).execute();
    return { ...existing, ...values };
  }
  return db
    .insertInto('servers')
    .values({ ...values, user_id: fields.userId, name: fields.name, created: now })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The hash of the secret the agent of the job about to be launched will present. */
export async function setAgentSecret(db: Db, id: number, secretHash: string): Promise<void> {
  await db.updateTable('servers').set({ secret_hash: secretHash }).where('id', '=', id).execute();
}

/**
 * The job is launched: its state is saved and the start has left the line. False when the start
 * was stopped meanwhile (the row is no longer pending): then the caller stops the job.
 */
export async function saveLaunch(db: Db, id: number, state: object): Promise<boolean> {
  const res = await db
    .updateTable('servers')
    .set({ spawner_state: JSON.stringify(state), line_ticket: null })
    .where('id', '=', id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  return Number(res.numUpdatedRows) > 0;
}

/** Starts waiting in the line, with their owners, in ticket order: what a restarted hub lines up again. */
export function waitingServers(db: Db) {
  return db
    .selectFrom('servers')
    .innerJoin('users', 'users.id', 'servers.user_id')
    .selectAll('servers')
    .select(['users.name as owner', 'users.blocked as owner_blocked'])
    .where('servers.status', '=', 'pending')
    .where('servers.line_ticket', 'is not', null)
    .orderBy('servers.line_ticket')
    .execute();
}

/** The server answers: running, reachable at `route` (route-record.ts). */
export async function markReady(db: Db, id: number, route: string): Promise<void> {
  const now = nowIso();
  await db
    .updateTable('servers')
    .set({ status: 'running', ready: now, last_activity: now, route })
    .where('id', '=', id)
    .execute();
}

/**
 * The server is going away: no route, out of the line. `end`, when the hub itself stops it, is
 * kept in end_reason/end_detail until recordEnd writes them for good.
 */
export async function markStopping(
  db: Db,
  id: number,
  end?: { reason: ServerEndReason; detail: string | null },
): Promise<void> {
  await db
    .updateTable('servers')
    .set({
      status: 'stopping',
      route: null,
      line_ticket: null,
      // The end the hub is carrying out: a hub killed midway finishes it (see reportPoll).
      ...(end ? { end_reason: end.reason, end_detail: end.detail?.slice(0, 4000) ?? null } : {}),
    })
    .where('id', '=', id)
    .where('status', '!=', 'stopped')
    .execute();
}

/** When the scheduler will end the server's job, as polled (null: no limit). */
export async function setLimitEnds(db: Db, id: number, at: string | null): Promise<void> {
  await db.updateTable('servers').set({ limit_ends: at }).where('id', '=', id).execute();
}

/** A server was used at `when` (an ISO time); never moves its last activity back. */
export async function recordActivity(db: Db, id: number, when: string): Promise<void> {
  await db
    .updateTable('servers')
    .set({ last_activity: when })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_activity', 'is', null), eb('last_activity', '<', when)]))
    .execute();
}

/**
 * Records the end of a server, once: the row becomes stopped with its reason, and its usage
 * record ends. Returns false when the server had already ended (a second caller loses).
 */
export async function recordEnd(
  db: Db,
  server: ServerRow,
  reason: ServerEndReason,
  detail: string | null,
): Promise<boolean> {
  const ended = nowIso();
  return db.transaction().execute(async (tx) => {
    const res = await tx
      .updateTable('servers')
      .set({
        status: 'stopped',
        stopped: ended,
        route: null,
        end_reason: reason,
        end_detail: detail?.slice(0, 4000) ?? null,
      })
      .where('id', '=', server.id)
      .where('status', '!=', 'stopped')
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) return false;
    await recordEnded(tx, server.id, ended, reason);
    return true;
  });
}

export async function deleteServerRow(db: Db, id: number): Promise<void> {
  await db.deleteFrom('servers').where('id', '=', id).execute();
}

/**
 * Every server with its owner's name: routes of the running ones, names of all (at hub start).
 * Most recently used first: the proxy connects ahead to servers in this order after a restart,
 * and their users are the likeliest to come back first.
 */
export function serversForRoutes(db: Db) {
  return db
    .selectFrom('servers')
    .innerJoin('users', 'users.id', 'servers.user_id')
    .select([
      'servers.id',
      'servers.user_id',
      'servers.name',
      'servers.status',
      'servers.route',
      'users.name as owner',
    ])
    .orderBy('servers.last_activity', (ob) => ob.desc().nullsLast())
    .execute();
}

/**
 * The server a proxy path `/user/{user}/{segment}/…` names when it has no route, by JupyterHub's
 * rule: a named server of that name, else the default server (which every user has, started or
 * not: `id` null when it never was). Undefined for an unknown user.
 */
export async function serverForPath(
  db: Db,
  user: string,
  segment: string | null,
): Promise<{ id: number | null; ownerId: number; owner: string; name: string; status: string } | undefined> {
  const owner = await db
    .selectFrom('users')
    .select(['id', 'name'])
    .where('name', '=', user)
    .executeTakeFirst();
  if (!owner) return undefined;
  const rows = await db
    .selectFrom('servers')
    .select(['id', 'name', 'status'])
    .where('user_id', '=', owner.id)
    .where('name', 'in', segment === null ? [''] : ['', segment])
    .execute();
  const ref = { ownerId: owner.id, owner: owner.name };
  const named = segment === null ? undefined : rows.find((r) => r.name === segment);
  if (named) return { ...ref, id: named.id, name: named.name, status: named.status };
  const def = rows.find((r) => r.name === '');
  return { ...ref, id: def?.id ?? null, name: '', status: def?.status ?? 'stopped' };
}

/** A server's spawner state (the job's id and what its spawner needs to find it again). */
export function parseState(row: Pick<ServerRow, 'spawner_state'>): SpawnerState {
  return jsonColumn(row.spawner_state);
}
