// The user a token or a session belongs to, read in the same query as the token or the session:
// one round trip fewer for every authenticated request (on PostgreSQL, where each query is one,
// a page of the API at size made four or five).
import type { UserRow } from '../db/schema.js';

/** What a principal needs of its user. */
export type Owner = Pick<UserRow, 'id' | 'name' | 'admin' | 'blocked'>;

/** The owner's columns, to select with `innerJoin('users', 'users.id', '<table>.user_id')`. */
export const OWNER_COLUMNS = [
  'users.name as owner_name',
  'users.admin as owner_admin',
  'users.blocked as owner_blocked',
] as const;

interface WithOwner {
  user_id: number;
  owner_name: string;
  owner_admin: number;
  owner_blocked: number;
}

/** A row selected with OWNER_COLUMNS: the row itself, and its owner. */
export function splitOwner<R extends WithOwner>(
  found: R,
): { row: Omit<R, 'owner_name' | 'owner_admin' | 'owner_blocked'>; owner: Owner } {
  const { owner_name, owner_admin, owner_blocked, ...row } = found;
  return { row, owner: { id: found.user_id, name: owner_name, admin: owner_admin, blocked: owner_blocked } };
}
