// Who a server is shared with, and the codes that grant a share: the `shares` table (migration
// 0002_shares) and the `share_codes` table (0005_share_codes), read by the proxy's authorizer and
// written here only. A share names one user or one group; the owner's own access is implied and
// never stored.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, ShareCodeRow } from '../db/schema.js';
import { nowIso } from '../util/time.js';

type Db = Kysely<Database>;

export type Grantee = { userId: number } | { groupId: number };

export interface Grantees {
  userIds: ReadonlySet<number>;
  groupIds: ReadonlySet<number>;
}

/** A server that can be shared: its row's id, owner and name. */
export interface SharedServer {
  id: number;
  owner: string;
  ownerId: number;
  name: string;
  status: string;
}

/** One share with the names a listing shows. */
export interface ShareListing {
  server: SharedServer;
  user: string | null;
  group: string | null;
  created: string;
}

/** One share code (never the code itself) with its server. */
export interface ShareCodeListing {
  row: ShareCodeRow;
  server: SharedServer;
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

/** A server by its id, or by its owner and name; undefined if it has no row (was never started). */
export async function findSharedServer(
  db: Db,
  which: { id: number } | { ownerId: number; name: string },
): Promise<SharedServer | undefined> {
  let query = db
    .selectFrom('servers')
    .innerJoin('users', 'users.id', 'servers.user_id')
    .select(['servers.id', 'servers.name', 'servers.status', 'users.name as owner', 'users.id as ownerId']);
  query =
    'id' in which
      ? query.where('servers.id', '=', which.id)
      : query.where('servers.user_id', '=', which.ownerId).where('servers.name', '=', which.name);
  return query.executeTakeFirst();
}

/** Shares, oldest first: of one server, of all servers of an owner, or those reaching a user or a group. */
export type ShareFilter =
  | { serverId: number }
  | { ownerId: number }
  | { reachingUserId: number }
  | { groupId: number };

export async function listShares(db: Db, filter: ShareFilter): Promise<ShareListing[]> {
  let query = db
    .selectFrom('shares')
    .innerJoin('servers', 'servers.id', 'shares.server_id')
    .innerJoin('users as owners', 'owners.id', 'servers.user_id')
    .leftJoin('users as grantees', 'grantees.id', 'shares.user_id')
    .leftJoin('groups', 'groups.id', 'shares.group_id')
    .select([
      'servers.id as serverId',
      'servers.name as serverName',
      'servers.status',
      'owners.name as owner',
      'owners.id as ownerId',
      'grantees.name as user',
      'groups.name as group',
      'shares.created',
    ]);
  if ('serverId' in filter) query = query.where('shares.server_id', '=', filter.serverId);
  else if ('ownerId' in filter) query = query.where('servers.user_id', '=', filter.ownerId);
  else if ('groupId' in filter) query = query.where('shares.group_id', '=', filter.groupId);
  else {
    const userId = filter.reachingUserId;
    query = query.where((eb) =>
      eb.or([
        eb('shares.user_id', '=', userId),
        eb(
          'shares.group_id',
          'in',
          eb
            .selectFrom('memberships')
            .select('memberships.group_id')
            .where('memberships.user_id', '=', userId),
        ),
      ]),
    );
  }
  const rows = await query.orderBy('shares.id').execute();
  return rows.map((r) => ({
    server: { id: r.serverId, owner: r.owner, ownerId: r.ownerId, name: r.serverName, status: r.status },
    user: r.user,
    group: r.group,
    created: r.created,
  }));
}

/** The column naming a grantee, and its value. */
function granteeColumn(grantee: Grantee): ['user_id' | 'group_id', number] {
  return 'userId' in grantee ? ['user_id', grantee.userId] : ['group_id', grantee.groupId];
}

/** Shares a server with a user or a group; sharing twice is not an error. */
export async function shareServer(db: Db, serverId: number, grantee: Grantee): Promise<void> {
  const [column, id] = granteeColumn(grantee);
  const existing = await db
    .selectFrom('shares')
    .select('id')
    .where('server_id', '=', serverId)
    .where(column, '=', id)
    .executeTakeFirst();
  if (existing) return;
  const who = 'userId' in grantee ? { user_id: grantee.userId } : { group_id: grantee.groupId };
  await db
    .insertInto('shares')
    .values({ server_id: serverId, ...who, created: nowIso() })
    .execute();
}

/** Withdraws a share; true if there was one. */
export async function unshareServer(db: Db, serverId: number, grantee: Grantee): Promise<boolean> {
  const [column, id] = granteeColumn(grantee);
  const result = await db
    .deleteFrom('shares')
    .where('server_id', '=', serverId)
    .where(column, '=', id)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function unshareAll(db: Db, serverId: number): Promise<void> {
  await db.deleteFrom('shares').where('server_id', '=', serverId).execute();
}

// ---- share codes ----

export function hashShareCode(code: string): string {
  return createHash('sha256').update(code).digest('hex');
}

/** A new code for a server: 256 random bits, returned once; only its hash is stored. */
export async function createShareCode(
  db: Db,
  fields: { serverId: number; expiresAt: string; maxExchanges: number | null },
): Promise<{ row: ShareCodeRow; code: string }> {
  const code = randomBytes(32).toString('base64url');
  const row = await db
    .insertInto('share_codes')
    .values({
      server_id: fields.serverId,
      code_hash: hashShareCode(code),
      created: nowIso(),
      expires_at: fields.expiresAt,
      max_exchanges: fields.maxExchanges,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { row, code };
}

/** Live codes (not expired, not used up), oldest first: of one server or of every server of an owner. */
export async function listShareCodes(
  db: Db,
  filter: { serverId: number } | { ownerId: number },
): Promise<ShareCodeListing[]> {
  let query = db
    .selectFrom('share_codes')
    .innerJoin('servers', 'servers.id', 'share_codes.server_id')
    .innerJoin('users', 'users.id', 'servers.user_id')
    .selectAll('share_codes')
    .select(['servers.name as serverName', 'servers.status', 'users.name as owner', 'users.id as ownerId'])
    .where('share_codes.expires_at', '>', nowIso())
    .where((eb) =>
      eb.or([
        eb('share_codes.max_exchanges', 'is', null),
        eb('share_codes.exchange_count', '<', eb.ref('share_codes.max_exchanges')),
      ]),
    );
  query =
    'serverId' in filter
      ? query.where('share_codes.server_id', '=', filter.serverId)
      : query.where('servers.user_id', '=', filter.ownerId);
  const rows = await query.orderBy('share_codes.id').execute();
  return rows.map(({ serverName, status, owner, ownerId, ...row }) => ({
    row,
    server: { id: row.server_id, owner, ownerId, name: serverName, status },
  }));
}

/** Deletes codes of a server: one by id, one by its code, or all; the number deleted. */
export async function deleteShareCodes(
  db: Db,
  serverId: number,
  which: { id: number } | { codeHash: string } | 'all',
): Promise<number> {
  let query = db.deleteFrom('share_codes').where('server_id', '=', serverId);
  if (which !== 'all')
    query = 'id' in which ? query.where('id', '=', which.id) : query.where('code_hash', '=', which.codeHash);
  const result = await query.executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Counts one use of a code, atomically: only a code that has not expired and is not used up is
 * counted (two people redeeming the last use at once: one wins). The code's row after the use,
 * or undefined.
 */
export async function exchangeShareCode(db: Db, code: string): Promise<ShareCodeRow | undefined> {
  const now = nowIso();
  return db
    .updateTable('share_codes')
    .set((eb) => ({ exchange_count: eb('exchange_count', '+', 1), last_exchanged_at: now }))
    .where('code_hash', '=', hashShareCode(code))
    .where('expires_at', '>', now)
    .where((eb) =>
      eb.or([eb('max_exchanges', 'is', null), eb('exchange_count', '<', eb.ref('max_exchanges'))]),
    )
    .returningAll()
    .executeTakeFirst();
}

/** The live code's row (for the page that asks before redeeming), or undefined. */
export async function peekShareCode(db: Db, code: string): Promise<ShareCodeListing | undefined> {
  const hash = hashShareCode(code);
  const row = await db
    .selectFrom('share_codes')
    .select('server_id')
    .where('code_hash', '=', hash)
    .executeTakeFirst();
  if (!row) return undefined;
  const live = await listShareCodes(db, { serverId: row.server_id });
  return live.find((c) => c.row.code_hash === hash);
}
