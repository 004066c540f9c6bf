// The rules of sharing a server, once, for the REST API and the pages (JupyterHub 5's model): an
// owner (or an admin) shares one of their servers with a user or a group, withdraws a share or
// all of them, and hands out share codes — expiring, unguessable, single- or multi-use — that a
// signed-in user redeems for a share of their own. Every change is handed to `changed`, which
// makes the proxy forget what it cached about the server and close the WebSockets of whoever
// lost access, so a withdrawal takes effect at once.
import { type Static, Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Caller } from '../auth/caller.js';
import type { Database, UserRow } from '../db/schema.js';
import { HubError, notFound } from '../errors/index.js';
import { findGroup, findUser } from '../users/store.js';
import { isoIn } from '../util/time.js';
import {
  createShareCode,
  deleteShareCodes,
  exchangeShareCode,
  findSharedServer,
  type Grantee,
  hashShareCode,
  listShareCodes,
  listShares,
  type ShareCodeListing,
  type SharedServer,
  type ShareListing,
  shareServer,
  unshareAll,
  unshareServer,
} from './store.js';

type Db = Kysely<Database>;

const MINUTE = 60;
const DAY = 24 * 3600;
const YEAR = 365 * DAY;

const Scopes = Type.Array(Type.String({ maxLength: 300 }), {
  maxItems: 10,
  description:
    'Only `access:servers!server=OWNER/NAME` (the default) is granted: a share lets its grantee use the server.',
});

/** Whom to share with, or whose share to withdraw: exactly one of `user` and `group`. */
export const GranteeBody = Type.Object(
  {
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    group: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    scopes: Type.Optional(Scopes),
  },
  { additionalProperties: false },
);
export type GranteeRequest = Static<typeof GranteeBody>;

export const NewShareCodeBody = Type.Object(
  {
    expires_in: Type.Optional(
      Type.Integer({
        minimum: MINUTE,
        maximum: YEAR,
        description: 'Seconds until the code expires: one minute to one year, one day by default.',
      }),
    ),
    max_exchanges: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        description:
          'How many times it may be redeemed (1: single use); any number until it expires by default.',
      }),
    ),
    scopes: Type.Optional(Scopes),
  },
  { additionalProperties: false },
);
export type NewShareCode = Static<typeof NewShareCodeBody>;

/** The one scope a share grants, in JupyterHub's words. */
export const accessScope = (server: { owner: string; name: string }) =>
  `access:servers!server=${server.owner}/${server.name}`;

/** Where a signed-in user redeems a code (JupyterHub's accept-share page). */
export const acceptShareUrl = (code: string) => `/hub/accept-share?${new URLSearchParams({ code })}`;

function checkScopes(server: SharedServer, scopes: string[] | undefined): void {
  if (scopes === undefined || scopes.length === 0) return;
  const allowed = accessScope(server);
  const other = scopes.find((s) => s !== allowed);
  if (other !== undefined)
    throw new HubError('validation_failed', undefined, {
      validations: [{ field: 'scopes', message: `A share grants only ${allowed}, not ${other}.` }],
    });
}

export interface SharingHooks {
  /** Who may reach the server changed (a share or a code was added or withdrawn). */
  changed(serverId: number): void;
  /** The groups of these users changed: what was cached about them is stale. */
  forgetUsers(userIds: readonly number[]): void;
}

export class Sharing {
  constructor(
    private readonly db: Db,
    private readonly hooks: SharingHooks,
  ) {}

  /**
   * Runs a change to a group's members (or its deletion) so that shares with the group follow at
   * once: the users' cached groups are forgotten, and every server shared with the group is asked
   * about again (closing the WebSockets of members who left).
   */
  async groupChange<T>(groupId: number, userIds: readonly number[], change: () => Promise<T>): Promise<T> {
    const servers = (await listShares(this.db, { groupId })).map((s) => s.server.id);
    const result = await change();
    this.hooks.forgetUsers(userIds);
    for (const id of servers) this.hooks.changed(id);
    return result;
  }

  /** The owner's server by name; 404 when it has no record. */
  async server(owner: UserRow, name: string): Promise<SharedServer> {
    const server = await findSharedServer(this.db, { ownerId: owner.id, name });
    if (!server) throw notFound();
    return server;
  }

  shares(server: SharedServer): Promise<ShareListing[]> {
    return listShares(this.db, { serverId: server.id });
  }

  /** The server's live codes (not expired, not used up). */
  codes(server: SharedServer): Promise<ShareCodeListing[]> {
    return listShareCodes(this.db, { serverId: server.id });
  }

  async grant(caller: Caller, server: SharedServer, request: GranteeRequest): Promise<ShareListing> {
    checkScopes(server, request.scopes);
    const grantee = await this.grantee(request, 'share');
    if ('userId' in grantee && grantee.userId === server.ownerId)
      throw new HubError('validation_failed', undefined, {
        validations: [{ field: 'user', message: 'The owner can always reach their own server.' }],
      });
    await shareServer(this.db, server.id, grantee);
    this.hooks.changed(server.id);
    caller.log.info(
      { owner: server.owner, server: server.name, ...this.named(request), by: caller.principal.name },
      'server shared',
    );
    const all = await this.shares(server);
    const share = all.find((s) => s.user === (request.user ?? null) && s.group === (request.group ?? null));
    if (!share) throw new HubError('internal', undefined, { detail: 'the share just made is missing' });
    return share;
  }

  /** Withdraws one share (JupyterHub's PATCH): no such user, group or share is not an error. */
  async revoke(caller: Caller, server: SharedServer, request: GranteeRequest): Promise<void> {
    checkScopes(server, request.scopes);
    let grantee: Grantee;
    try {
      grantee = await this.grantee(request, 'revoke');
    } catch (err) {
      if (err instanceof HubError && err.code === 'not_found') return;
      throw err;
    }
    if (await unshareServer(this.db, server.id, grantee)) {
      this.hooks.changed(server.id);
      caller.log.info(
        { owner: server.owner, server: server.name, ...this.named(request), by: caller.principal.name },
        'server share withdrawn',
      );
    }
  }

  async revokeAll(caller: Caller, server: SharedServer): Promise<void> {
    await unshareAll(this.db, server.id);
    this.hooks.changed(server.id);
    caller.log.info(
      { owner: server.owner, server: server.name, by: caller.principal.name },
      'every share withdrawn',
    );
  }

  /** A user gives up a share made to them directly (a group's share is the owner's to withdraw). */
  async leave(caller: Caller, user: UserRow, server: SharedServer): Promise<void> {
    if (!(await unshareServer(this.db, server.id, { userId: user.id }))) throw notFound();
    this.hooks.changed(server.id);
    caller.log.info(
      { owner: server.owner, server: server.name, user: user.name, by: caller.principal.name },
      'share given up',
    );
  }

  async createCode(
    caller: Caller,
    server: SharedServer,
    request: NewShareCode,
  ): Promise<{ listing: ShareCodeListing; code: string }> {
    checkScopes(server, request.scopes);
    const { row, code } = await createShareCode(this.db, {
      serverId: server.id,
      expiresAt: isoIn(request.expires_in ?? DAY),
      maxExchanges: request.max_exchanges ?? null,
    });
    caller.log.info(
      {
        owner: server.owner,
        server: server.name,
        code_id: row.id,
        expires_at: row.expires_at,
        max_exchanges: row.max_exchanges,
        by: caller.principal.name,
      },
      'share code created',
    );
    return { listing: { row, server }, code };
  }

  /** Revokes codes of a server: by `sc_N` id, by the code itself, or all of them. */
  async revokeCodes(
    caller: Caller,
    server: SharedServer,
    which: { id?: string; code?: string },
  ): Promise<void> {
    let target: { id: number } | { codeHash: string } | 'all' = 'all';
    if (which.code !== undefined) target = { codeHash: hashShareCode(which.code) };
    else if (which.id !== undefined) {
      const m = /^sc_(\d{1,15})$/.exec(which.id);
      if (!m) throw notFound();
      target = { id: Number(m[1]) };
    }
    const deleted = await deleteShareCodes(this.db, server.id, target);
    if (target !== 'all' && deleted === 0) throw notFound();
    caller.log.info(
      { owner: server.owner, server: server.name, deleted, by: caller.principal.name },
      'share codes revoked',
    );
  }

  /**
   * Redeems a code for the signed-in user: one use counted, and the server shared with them.
   * A code that is unknown, expired or used up is a 404; the owner redeeming their own code uses
   * nothing up.
   */
  async redeem(caller: Caller, code: string): Promise<SharedServer> {
    const user = await findUser(this.db, caller.principal.name);
    if (!user) throw notFound();
    const exchanged = await this.db.transaction().execute(async (tx) => {
      const row = await exchangeShareCode(tx, code);
      if (!row) return undefined;
      const server = await findSharedServer(tx, { id: row.server_id });
      if (!server) return undefined;
      if (server.ownerId === user.id)
        throw new HubError('bad_request', 'This is a share code of your own server.');
      await shareServer(tx, server.id, { userId: user.id });
      return { server, row };
    });
    if (!exchanged)
      throw new HubError('not_found', 'This share code is not valid: it may have expired or been used up.');
    this.hooks.changed(exchanged.server.id);
    caller.log.info(
      {
        owner: exchanged.server.owner,
        server: exchanged.server.name,
        code_id: exchanged.row.id,
        user: user.name,
      },
      'share code redeemed',
    );
    return exchanged.server;
  }

  private named(request: GranteeRequest): { user?: string; group?: string } {
    return request.user !== undefined ? { user: request.user } : { group: request.group ?? '' };
  }

  private async grantee(request: GranteeRequest, purpose: 'share' | 'revoke'): Promise<Grantee> {
    if ((request.user === undefined) === (request.group === undefined))
      throw new HubError('validation_failed', undefined, {
        validations: [{ field: 'user', message: 'Name exactly one of user and group.' }],
      });
    if (request.user !== undefined) {
      const user = await findUser(this.db, request.user);
      if (!user)
        throw new HubError(
          'not_found',
          purpose === 'share' ? `There is no user named ${request.user}.` : undefined,
        );
      return { userId: user.id };
    }
    const group = await findGroup(this.db, request.group ?? '');
    if (!group)
      throw new HubError(
        'not_found',
        purpose === 'share' ? `There is no group named ${request.group}.` : undefined,
      );
    return { groupId: group.id };
  }
}
