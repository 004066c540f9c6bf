// The users and groups tables: every read and write of accounts goes through here, so the rest
// of the hub never builds user queries of its own.
import type { Kysely } from 'kysely';
import type { Database, GroupRow, UserRow } from '../db/schema.js';
import { HubError } from '../errors/index.js';
import { nowIso } from '../util/time.js';

type Db = Kysely<Database>;

/** Server activity filter of the users list, as in JupyterHub: active = pending or ready. */
export type UserState = 'active' | 'inactive' | 'ready';

export interface ListUsersQuery {
  offset: number;
  limit: number;
  state?: UserState | undefined;
  /** Names starting with this prefix (the admin page's search). */
  nameFilter?: string | undefined;
}

export function findUser(db: Db, name: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
}

export function findUserById(db: Db, id: number): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function countUsers(db: Db): Promise<number> {
  const row = await db
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function createUser(
  db: Db,
  fields: { name: string; admin?: boolean; passwordHash?: string | null },
): Promise<UserRow> {
  if (await findUser(db, fields.name)) {
    throw new HubError('conflict', `A user named ${fields.name} already exists.`);
  }
  return db
    .insertInto('users')
    .values({
      name: fields.name,
      admin: fields.admin ? 1 : 0,
      password_hash: fields.passwordHash ?? null,
      created: nowIso(),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateUser(
  db: Db,
  id: number,
  changes: { name?: string; admin?: boolean; blocked?: boolean; passwordHash?: string | null },
): Promise<UserRow> {
  const values: Record<string, unknown> = {};
  if (changes.name !== undefined) values.name = changes.name;
  if (changes.admin !== undefined) values.admin = changes.admin ? 1 : 0;
  if (changes.blocked !== undefined) values.blocked = changes.blocked ? 1 : 0;
  if (changes.passwordHash !== undefined) values.password_hash = changes.passwordHash;
  if (Object.keys(values).length > 0) {
    await db.updateTable('users').set(values).where('id', '=', id).execute();
  }
  const row = await findUserById(db, id);
  if (!row) throw new HubError('not_found');
  return row;
}

/** Deletes the user; tokens, sessions, memberships and servers go with it (foreign keys). */
export async function deleteUser(db: Db, id: number): Promise<void> {
  await db.deleteFrom('users').where('id', '=', id).execute();
}

/** The user was active at `when` (signed in, used a server); never moves it back. */
export async function touchUser(db: Db, id: number, when = nowIso()): Promise<void> {
  await db
    .updateTable('users')
    .set({ last_activity: when })
    .where('id', '=', id)
    .where((eb) => eb.or([eb('last_activity', 'is', null), eb('last_activity', '<', when)]))
    .execute();
}

/** The users a list shows, by the list's filters, before paging. */
function listed(db: Db, q: Omit<ListUsersQuery, 'offset' | 'limit'>) {
  let query = db.selectFrom('users');
  if (q.nameFilter) query = query.where('name', 'like', `${q.nameFilter.replace(/[\\%_]/g, '\\$&')}%`);
  if (q.state) {
    const statuses = q.state === 'ready' ? ['running'] : ['pending', 'running', 'stopping'];
    const withServer = db
      .selectFrom('servers')
      .select('servers.user_id')
      .where('servers.status', 'in', statuses);
    query =
      q.state === 'inactive' ? query.where('id', 'not in', withServer) : query.where('id', 'in', withServer);
  }
  return query;
}

/** One page of the users, by name. */
export function listUsers(db: Db, q: ListUsersQuery): Promise<UserRow[]> {
  return listed(db, q).selectAll().orderBy('name').limit(q.limit).offset(q.offset).execute();
}

/** How many users the list has over all its pages (a count over every row: only when it is shown). */
export async function countListedUsers(db: Db, q: Omit<ListUsersQuery, 'offset' | 'limit'>): Promise<number> {
  const row = await listed(db, q)
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Group names of many users at once (one query for a whole page of the users list). */
export async function groupsOfUsers(db: Db, userIds: number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>(userIds.map((id) => [id, []]));
  if (userIds.length === 0) return out;
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('groups', 'groups.id', 'memberships.group_id')
    .select(['memberships.user_id', 'groups.name'])
    .where('memberships.user_id', 'in', userIds)
    .orderBy('groups.name')
    .execute();
  for (const row of rows) out.get(row.user_id)?.push(row.name);
  return out;
}

export function findGroup(db: Db, name: string): Promise<GroupRow | undefined> {
  return db.selectFrom('groups').selectAll().where('name', '=', name).executeTakeFirst();
}

export function listGroups(db: Db, offset: number, limit: number): Promise<GroupRow[]> {
  return db.selectFrom('groups').selectAll().orderBy('name').limit(limit).offset(offset).execute();
}

export async function countGroups(db: Db): Promise<number> {
  const row = await db
    .selectFrom('groups')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function createGroup(db: Db, name: string, description = ''): Promise<GroupRow> {
  if (await findGroup(db, name)) throw new HubError('conflict', `A group named ${name} already exists.`);
  return db
    .insertInto('groups')
    .values({ name, description, created: nowIso() })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function deleteGroup(db: Db, id: number): Promise<void> {
  await db.deleteFrom('memberships').where('group_id', '=', id).execute();
  await db.deleteFrom('groups').where('id', '=', id).execute();
}

export async function membersOfGroups(db: Db, groupIds: number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>(groupIds.map((id) => [id, []]));
  if (groupIds.length === 0) return out;
  const rows = await db
    .selectFrom('memberships')
    .innerJoin('users', 'users.id', 'memberships.user_id')
    .select(['memberships.group_id', 'users.name'])
    .where('memberships.group_id', 'in', groupIds)
    .orderBy('users.name')
    .execute();
  for (const row of rows) out.get(row.group_id)?.push(row.name);
  return out;
}

/** Resolves names to users, failing with one validation message per unknown name. */
export async function usersByNames(db: Db, names: string[], field = 'users'): Promise<UserRow[]> {
  if (names.length === 0) return [];
  const rows = await db.selectFrom('users').selectAll().where('name', 'in', names).execute();
  const missing = names.filter((n) => !rows.some((r) => r.name === n));
  if (missing.length > 0) {
    throw new HubError('validation_failed', undefined, {
      validations: missing.map((n) => ({ field, message: `There is no user named ${n}.` })),
    });
  }
  return rows;
}

export async function addMembers(db: Db, groupId: number, userIds: number[]): Promise<void> {
  const existing = await db
    .selectFrom('memberships')
    .select('user_id')
    .where('group_id', '=', groupId)
    .execute();
  const have = new Set(existing.map((r) => r.user_id));
  const fresh = userIds.filter((id) => !have.has(id));
  if (fresh.length === 0) return;
  await db
    .insertInto('memberships')
    .values(fresh.map((user_id) => ({ user_id, group_id: groupId })))
    .execute();
}

export async function removeMembers(db: Db, groupId: number, userIds: number[]): Promise<void> {
  if (userIds.length === 0) return;
  await db
    .deleteFrom('memberships')
    .where('group_id', '=', groupId)
    .where('user_id', 'in', userIds)
    .execute();
}

/**
 * Makes the user a member of exactly these groups, creating the ones that do not exist yet, in one
 * transaction (for `auth.sync_groups`: the directory is the source of the memberships).
 */
export async function setUserGroups(db: Db, userId: number, names: readonly string[]): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const groupIds: number[] = [];
    for (const name of names) {
      const group =
        (await findGroup(tx, name)) ??
        (await tx
          .insertInto('groups')
          .values({ name, description: '', created: nowIso() })
          .returningAll()
          .executeTakeFirstOrThrow());
      groupIds.push(group.id);
    }
    await tx.deleteFrom('memberships').where('user_id', '=', userId).execute();
    if (groupIds.length > 0)
      await tx
        .insertInto('memberships')
        .values(groupIds.map((group_id) => ({ user_id: userId, group_id })))
        .execute();
  });
}
