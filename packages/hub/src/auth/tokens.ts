// API tokens: random, shown once, stored as a SHA-256 hash. A plain hash (not scrypt) is right
// here: tokens carry 256 bits of entropy, so there is nothing to brute-force, and every API
// request must look one up quickly.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, TokenRow } from '../db/schema.js';
import { isoIn, nowIso } from '../util/time.js';
import { noteUse, OWNER_COLUMNS, type Owner, splitOwner } from './owner.js';
import { isScope, type Scope } from './scopes.js';

type Db = Kysely<Database>;

/** Recognisable prefix, so secret scanners and people can tell an hpchub token when they see one. */
export const TOKEN_PREFIX = 'hph_';

// Writing last_activity on every request would turn reads into writes; once a minute is enough
// for "last used" in the token list.
const ACTIVITY_RESOLUTION_MS = 60_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export interface CreatedToken {
  row: TokenRow;
  /** The token itself: returned once, never stored. */
  token: string;
}

export async function createToken(
  db: Db,
  fields: { userId: number; scopes: Scope[]; note?: string; expiresInSeconds?: number | null },
): Promise<CreatedToken> {
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const row = await db
    .insertInto('api_tokens')
    .values({
      user_id: fields.userId,
      hash: hashToken(token),
      prefix: token.slice(0, TOKEN_PREFIX.length + 4),
      scopes: JSON.stringify([...new Set(fields.scopes)].sort()),
      note: fields.note ?? '',
      created: nowIso(),
      expires_at: fields.expiresInSeconds ? isoIn(fields.expiresInSeconds) : null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { row, token };
}

export function tokenScopes(row: TokenRow): Scope[] {
  const parsed: unknown = JSON.parse(row.scopes);
  return Array.isArray(parsed) ? parsed.filter((s): s is Scope => typeof s === 'string' && isScope(s)) : [];
}

/** The live token row for a presented token and its user, or undefined if unknown or expired. */
export async function lookupToken(
  db: Db,
  token: string,
): Promise<{ row: TokenRow; owner: Owner } | undefined> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return undefined;
  const found = await db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .selectAll('api_tokens')
    .select(OWNER_COLUMNS)
    .where('api_tokens.hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!found) return undefined;
  const { row, owner } = splitOwner(found);
  if (row.expires_at !== null && row.expires_at <= nowIso()) return undefined;
  if (row.last_activity === null || Date.parse(row.last_activity) < Date.now() - ACTIVITY_RESOLUTION_MS) {
    const now = nowIso();
    noteUse(db.updateTable('api_tokens').set({ last_activity: now }).where('id', '=', row.id).execute());
    row.last_activity = now;
  }
  return { row, owner };
}

export function listTokens(db: Db, userId: number): Promise<TokenRow[]> {
  return db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('id').execute();
}

export function findToken(db: Db, userId: number, id: number): Promise<TokenRow | undefined> {
  return db
    .selectFrom('api_tokens')
    .selectAll()
    .where('user_id', '=', userId)
    .where('id', '=', id)
    .executeTakeFirst();
}

export async function revokeToken(db: Db, id: number): Promise<void> {
  await db.deleteFrom('api_tokens').where('id', '=', id).execute();
}

/** Removes tokens that expired by `now` (ISO time); see purge.ts for the schedule. */
export async function purgeExpiredTokens(db: Db, now = nowIso()): Promise<number> {
  const res = await db.deleteFrom('api_tokens').where('expires_at', '<=', now).executeTakeFirst();
  return Number(res.numDeletedRows);
}
