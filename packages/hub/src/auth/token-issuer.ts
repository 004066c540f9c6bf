// The rules of making and revoking API tokens, once, for the REST API and the tokens page: what a
// request for a token may say (its schema), which scopes may go on it (known ones; admin scopes
// for admins only; a token cannot grant what it does not have itself), how long it may live (the
// hub's maximum), and the log line of each.
import { type Static, Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Database, TokenRow, UserRow } from '../db/schema.js';
import { type FieldValidation, HubError, notFound } from '../errors/index.js';
import type { Caller } from './caller.js';
import { ALL_SCOPES, isScope, type Principal, type Scope, ungrantableScopes } from './scopes.js';
import { type CreatedToken, createToken, findToken, revokeToken } from './tokens.js';

type Db = Kysely<Database>;

/** A request for a new token, as the REST API takes it and the tokens page builds it. */
export const NewTokenBody = Type.Object(
  {
    note: Type.Optional(Type.String({ maxLength: 1000 })),
    expires_in: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1, maximum: 10 * 366 * 86400 }), Type.Null()], {
        description:
          'Seconds until the token expires; null or absent for never (unless the hub sets a maximum).',
      }),
    ),
    scopes: Type.Optional(Type.Array(Type.String({ maxLength: 50 }), { maxItems: 20 })),
  },
  { additionalProperties: false },
);

export type NewTokenRequest = Static<typeof NewTokenBody>;

// What each scope implies when a token creates another token: `self` covers the owner's
// servers, tokens and activity, `admin` covers everything.
function implied(scopes: ReadonlySet<Scope>): Set<Scope> {
  if (scopes.has('admin')) return new Set(ALL_SCOPES);
  const out = new Set(scopes);
  if (scopes.has('self')) {
    out.add('servers');
    out.add('tokens');
    out.add('users:activity');
  }
  return out;
}

/** Scopes the caller may put on a new token of `owner`; one validation per scope it may not. */
function scopeProblems(requested: string[], owner: UserRow, caller: Principal): FieldValidation[] {
  const out: FieldValidation[] = [];
  const known = requested.filter(isScope);
  for (const s of requested) {
    if (!isScope(s))
      out.push({
        field: 'scopes',
        message: `Unknown scope ${s}; known scopes are ${ALL_SCOPES.join(', ')}.`,
      });
  }
  for (const s of ungrantableScopes(owner, known)) {
    out.push({ field: 'scopes', message: `The scope ${s} is for admins only.` });
  }
  if (caller.via === 'token') {
    const mine = implied(caller.scopes);
    for (const s of known.filter((k) => !mine.has(k))) {
      out.push({ field: 'scopes', message: `This token cannot grant ${s}, which it does not have itself.` });
    }
  }
  return out;
}

/**
 * Makes a token for `owner` (whom the caller may manage the tokens of). Without scopes it gets
 * `self`; with `maxSeconds` (the hub's maximum; 0: none) it expires within that time.
 */
export async function issueToken(
  db: Db,
  caller: Caller,
  owner: UserRow,
  request: NewTokenRequest,
  maxSeconds: number,
): Promise<CreatedToken> {
  const requested = request.scopes ?? ['self'];
  const validations = scopeProblems(requested, owner, caller.principal);
  let expiresIn = request.expires_in ?? null;
  if (maxSeconds > 0) {
    if (expiresIn !== null && expiresIn > maxSeconds) {
      validations.push({
        field: 'expires_in',
        message: `Tokens on this hub expire after at most ${maxSeconds} seconds.`,
      });
    }
    expiresIn ??= maxSeconds;
  }
  if (validations.length > 0) throw new HubError('validation_failed', undefined, { validations });
  const created = await createToken(db, {
    userId: owner.id,
    scopes: requested.filter(isScope),
    note: request.note ?? '',
    expiresInSeconds: expiresIn,
  });
  caller.log.info(
    { user: owner.name, token_id: created.row.id, scopes: requested, by: caller.principal.name },
    'token created',
  );
  return created;
}

/** The token of `owner` with this id (as it appears in a URL); not found (404) otherwise. */
export async function tokenOf(db: Db, owner: UserRow, tokenId: string): Promise<TokenRow> {
  // Ids are positive 32-bit integers; anything else names no token (and never reaches the query).
  const id = /^\d{1,10}$/.test(tokenId) ? Number(tokenId) : 0;
  const row = id >= 1 && id < 2 ** 31 ? await findToken(db, owner.id, id) : undefined;
  if (!row) throw notFound();
  return row;
}

/** Revokes a token of `owner`; a token that does not exist, or is someone else's, is a 404. */
export async function revokeTokenOf(db: Db, caller: Caller, owner: UserRow, tokenId: string): Promise<void> {
  const row = await tokenOf(db, owner, tokenId);
  await revokeToken(db, row.id);
  caller.log.info({ user: owner.name, token_id: row.id, by: caller.principal.name }, 'token revoked');
}
