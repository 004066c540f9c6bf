// Login sessions. The cookie carries a random session id, signed with the hub's cookie secret;
// the database holds only its hash, so a leaked database cannot be replayed as cookies, and
// logout (deleting the row) ends the session everywhere at once.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, SessionRow } from '../db/schema.js';
import { isoIn, nowIso } from '../util/time.js';
import { noteUse, OWNER_COLUMNS, type Owner, splitOwner } from './owner.js';

type Db = Kysely<Database>;

/** The session cookie's name (every hub cookie starts with `hpchub-`: never forwarded to a server). */
export const SESSION_COOKIE = 'hpchub-session';

const TOUCH_RESOLUTION_MS = 60_000;

function hashId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

export interface NewSession {
  /** Goes into the (signed) cookie; not stored. */
  id: string;
  row: SessionRow;
}

export async function createSession(
  db: Db,
  fields: {
    userId: number;
    maxAgeSeconds: number;
    address?: string;
    userAgent?: string;
    /** The provider's ID token, for a session signed in through OpenID Connect. */
    idToken?: string | undefined;
  },
): Promise<NewSession> {
  const id = randomBytes(32).toString('base64url');
  const now = nowIso();
  const row = {
    id_hash: hashId(id),
    user_id: fields.userId,
    csrf_token: randomBytes(24).toString('base64url'),
    created: now,
    expires_at: isoIn(fields.maxAgeSeconds),
    last_seen: now,
    address: (fields.address ?? '').slice(0, 64),
    user_agent: (fields.userAgent ?? '').slice(0, 256),
    id_token: fields.idToken ?? null,
  };
  await db.insertInto('sessions').values(row).execute();
  return { id, row };
}

/** The live session for a cookie's session id and its user, or undefined when unknown or expired. */
export async function lookupSession(
  db: Db,
  id: string,
): Promise<{ row: SessionRow; owner: Owner } | undefined> {
  if (id.length > 100) return undefined;
  const found = await db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('sessions')
    .select(OWNER_COLUMNS)
    .where('sessions.id_hash', '=', hashId(id))
    .executeTakeFirst();
  if (!found) return undefined;
  const { row, owner } = splitOwner(found);
  if (row.expires_at <= nowIso()) return undefined;
  if (Date.parse(row.last_seen) < Date.now() - TOUCH_RESOLUTION_MS) {
    const now = nowIso();
    noteUse(db.updateTable('sessions').set({ last_seen: now }).where('id_hash', '=', row.id_hash).execute());
    row.last_seen = now;
  }
  return { row, owner };
}

export async function deleteSession(db: Db, id: string): Promise<void> {
  await db.deleteFrom('sessions').where('id_hash', '=', hashId(id)).execute();
}

/** Ends every session of a user (password change, block, admin action). */
export async function deleteSessionsOfUser(db: Db, userId: number): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

/** Removes sessions that expired by `now` (ISO time); see purge.ts for the schedule. */
export async function purgeExpiredSessions(db: Db, now = nowIso()): Promise<number> {
  const res = await db.deleteFrom('sessions').where('expires_at', '<=', now).executeTakeFirst();
  return Number(res.numDeletedRows);
}
