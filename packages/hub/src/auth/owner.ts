// The user a token or a session belongs to, read in the same query as the token or the session:
// one round trip fewer for every authenticated request (on PostgreSQL, where each query is one,
// a page of the API at size made four or five). The whole row, so that a route about the caller's
// own account (`/users/{name}/…` with their name) needs no second read of it.
import type { UserRow } from '../db/schema.js';

/** The account a token or a session belongs to. */
export type Owner = UserRow;

/** The owner's columns, to select with `innerJoin('users', 'users.id', '<table>.user_id')`. */
export const OWNER_COLUMNS = [
  'users.name as owner_name',
  'users.admin as owner_admin',
  'users.blocked as owner_blocked',
  'users.password_hash as owner_password_hash',
  'users.created as owner_created',
  'users.last_activity as owner_last_activity',
] as const;

interface WithOwner {
  user_id: number;
  owner_name: string;
  owner_admin: number;
  owner_blocked: number;
  owner_password_hash: string | null;
  owner_created: string;
  owner_last_activity: string | null;
}

/** A row selected with OWNER_COLUMNS: the row itself, and its owner. */
export function splitOwner<R extends WithOwner>(
  found: R,
): { row: Omit<R, keyof Omit<WithOwner, 'user_id'>>; owner: Owner } {
  const {
    owner_name: name,
    owner_admin: admin,
    owner_blocked: blocked,
    owner_password_hash: password_hash,
    owner_created: created,
    owner_last_activity: last_activity,
    ...row
  } = found;
  return { row, owner: { id: found.user_id, name, admin, blocked, password_hash, created, last_activity } };
}

/**
 * Writes a credential's last use beside the request instead of before its answer: the request
 * does not wait for a write of information (on PostgreSQL a round trip of its own, and at a
 * large centre's size most token requests are a token's first in its minute). A write that fails
 * is not the request's failure: the stored time stays old, so the credential's next use writes it.
 */
export function noteUse(write: Promise<unknown>): void {
  write.catch(() => {});
}
