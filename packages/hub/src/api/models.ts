// Database rows → API models. The only place that decides what a client sees of a row, so a
// secret column (password hash, token hash) can never leak through a forgotten field.
import type { GroupModel, TokenModel, UserModel } from '@hpchub/protocol';
import { tokenScopes } from '../auth/tokens.js';
import type { GroupRow, TokenRow, UserRow } from '../db/schema.js';

export function userModel(row: UserRow, groups: string[]): UserModel {
  return {
    kind: 'user',
    name: row.name,
    admin: row.admin === 1,
    blocked: row.blocked === 1,
    groups,
    server: null,
    pending: null,
    created: row.created,
    last_activity: row.last_activity,
    servers: {},
  };
}

export function tokenModel(row: TokenRow, owner: string): TokenModel {
  return {
    kind: 'api_token',
    id: String(row.id),
    user: owner,
    note: row.note,
    scopes: tokenScopes(row),
    prefix: row.prefix,
    created: row.created,
    expires_at: row.expires_at,
    last_activity: row.last_activity,
  };
}

export function groupModel(row: GroupRow, users: string[]): GroupModel {
  return { kind: 'group', name: row.name, description: row.description, users };
}

/** The single element of a one-element list (a model built through a batch helper). */
export function only<T>(items: T[]): T {
  const [item] = items;
  if (item === undefined || items.length !== 1)
    throw new Error(`expected exactly one item, got ${items.length}`);
  return item;
}
