// Who a server is shared with: the `shares` table (migration 0002_shares), read by the proxy's
// authorizer and written here only. A share names one user or one group; the owner's own access
// is implied and never stored.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { nowIso } from '../util/time.js';

type Db = Kysely<Database>;

export type Grantee = { userId: number } | { groupId: number };

export interface Grantees {
  userIds: ReadonlySet<number>;
  groupIds: ReadonlySet<number>;
}

export async function granteesOf(db: Db, serverId: number): Promise<Grantees> {
  const rows = await db
    .selectFrom('shares')
    .select(['user_id', 'group_id'])
    .where('server_id', '=', serverId)
    .execute();
  const userIds = new Set<number>();
  const groupIds = new Set<number>();
  for (const row of rows) {
    if (row.user_id !== null) userIds.add(row.user_id);
    if (row.group_id !== null) groupIds.add(row.group_id);
  }
  return { userIds, groupIds };
}

export async function groupIdsOf(db: Db, userId: number): Promise<ReadonlySet<number>> {
  const rows = await db.selectFrom('memberships').select('group_id').where('user_id', '=', userId).execute();
  return new Set(rows.map((r) => r.group_id));
}

/** Shares a server with a user or a group; sharing twice is not an error. */
export async function shareServer(db: Db, serverId: number, grantee: Grantee): Promise<void> {
  let existing = db.selectFrom('shares').select('id').where('server_id', '=', serverId);
  existing =
    'userId' in grantee
      ? existing.where('user_id', '=', grantee.userId)
      : existing.where('group_id', '=', grantee.groupId);
  if (await existing.executeTakeFirst()) return;
  const who = 'userId' in grantee ? { user_id: grantee.userId } : { group_id: grantee.groupId };
  await db
    .insertInto('shares')
    .values({ server_id: serverId, ...who, created: nowIso() })
    .execute();
}

export async function unshareServer(db: Db, serverId: number, grantee: Grantee): Promise<void> {
  let query = db.deleteFrom('shares').where('server_id', '=', serverId);
  query =
    'userId' in grantee
      ? query.where('user_id', '=', grantee.userId)
      : query.where('group_id', '=', grantee.groupId);
  await query.execute();
}
