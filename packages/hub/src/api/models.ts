// Database rows → API models. The only place that decides what a client sees of a row, so a
// secret column (password hash, token hash) can never leak through a forgotten field.
import type {
  GroupModel,
  ServerModel,
  ShareCodeModel,
  ShareModel,
  TokenModel,
  UserModel,
} from '@hpchub/protocol';
import { serverPrefix } from '../apps/launch.js';
import { tokenScopes } from '../auth/tokens.js';
import type { GroupRow, ServerRow, TokenRow, UserRow } from '../db/schema.js';
import { acceptShareUrl, accessScope } from '../shares/rules.js';
import type { ShareCodeListing, SharedServer, ShareListing } from '../shares/store.js';
import type { PlannedEnd, SpawningService } from '../spawn/index.js';

/** What the spawning service knows of a server beyond its row. */
export interface ServerFacts {
  /** Where a start stands in the hub's line for a start slot. */
  placeOf(serverId: number): number | null;
  /** When a running server will end, and why. */
  plannedEnd(row: ServerRow): PlannedEnd | null;
}

/** The facts of the spawning service, for the models. */
export function serverFacts(spawning: SpawningService): ServerFacts {
  return { placeOf: (id) => spawning.line.placeOf(id), plannedEnd: (row) => spawning.plannedEnd(row) };
}

export function serverModel(row: ServerRow, owner: string, facts: ServerFacts): ServerModel {
  const url = serverPrefix(owner, row.name);
  const progress =
    row.name === ''
      ? `/hub/api/users/${owner}/server/progress`
      : `/hub/api/users/${owner}/servers/${row.name}/progress`;
  let options: Record<string, unknown> = {};
  try {
    options = JSON.parse(row.options) as Record<string, unknown>;
  } catch {
    // an unreadable row shows no options
  }
  return {
    name: row.name,
    app: row.app,
    status: row.status,
    ready: row.status === 'running',
    stopped: row.status === 'stopped',
    pending: row.status === 'pending' ? 'spawn' : row.status === 'stopping' ? 'stop' : null,
    url,
    progress_url: progress,
    started: row.started,
    last_activity: row.last_activity,
    user_options: options,
    end_reason: row.end_reason,
    end_detail: row.end_detail,
    line_position: row.status === 'pending' ? facts.placeOf(row.id) : null,
    ends: facts.plannedEnd(row),
  };
}

/** A user, with the servers that are starting, running or stopping (JupyterHub lists only those). */
export function userModel(
  row: UserRow,
  groups: string[],
  servers: ServerRow[],
  facts: ServerFacts,
): UserModel {
  const active = servers.filter((s) => s.status !== 'stopped');
  const def = active.find((s) => s.name === '');
  return {
    kind: 'user',
    name: row.name,
    admin: row.admin === 1,
    blocked: row.blocked === 1,
    groups,
    server: def?.status === 'running' ? serverPrefix(row.name, '') : null,
    pending: def?.status === 'pending' ? 'spawn' : def?.status === 'stopping' ? 'stop' : null,
    created: row.created,
    last_activity: row.last_activity,
    servers: Object.fromEntries(active.map((s) => [s.name, serverModel(s, row.name, facts)])),
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

function sharedServerModel(server: SharedServer): ShareModel['server'] {
  return {
    user: { name: server.owner },
    name: server.name,
    url: serverPrefix(server.owner, server.name),
    ready: server.status === 'running',
  };
}

export function shareModel(share: ShareListing): ShareModel {
  return {
    server: sharedServerModel(share.server),
    scopes: [accessScope(share.server)],
    user: share.user === null ? null : { name: share.user },
    group: share.group === null ? null : { name: share.group },
    kind: share.group === null ? 'user' : 'group',
    created_at: share.created,
  };
}

/** A share code; `code` and the URLs only in the answer that created it (`origin`: the hub's, as the caller reached it). */
export function shareCodeModel(
  { row, server }: ShareCodeListing,
  created?: { code: string; origin: string },
): ShareCodeModel {
  const model: ShareCodeModel = {
    server: sharedServerModel(server),
    scopes: [accessScope(server)],
    id: `sc_${row.id}`,
    created_at: row.created,
    expires_at: row.expires_at,
    exchange_count: row.exchange_count,
    last_exchanged_at: row.last_exchanged_at,
    max_exchanges: row.max_exchanges,
  };
  if (created) {
    model.code = created.code;
    model.accept_url = acceptShareUrl(created.code);
    model.full_accept_url = `${created.origin}${model.accept_url}`;
  }
  return model;
}
