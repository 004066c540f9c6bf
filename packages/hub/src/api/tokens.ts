// /hub/api/users/{name}/tokens: a user's API tokens (JupyterHub's shape).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NewTokenSchema, TokenSchema } from '@hpchub/protocol';
import { Type } from '@sinclair/typebox';
import { ALL_SCOPES, isScope, type Principal, type Scope, ungrantableScopes } from '../auth/scopes.js';
import { createToken, findToken, listTokens, revokeToken } from '../auth/tokens.js';
import type { HubContext } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { type FieldValidation, HubError, notFound } from '../errors/index.js';
import { userAccess } from '../http/access.js';
import { errorResponses } from '../http/responses.js';
import { findUser } from '../users/store.js';
import { tokenModel } from './models.js';

const NameParams = Type.Object({ name: Type.String() });
const TokenParams = Type.Object({ name: Type.String(), token_id: Type.String({ maxLength: 20 }) });
const errors = errorResponses(400, 401, 404);

// What each scope implies when a token creates another token: `self` covers the owner's
// servers and tokens, `admin` covers everything.
function implied(scopes: ReadonlySet<Scope>): Set<Scope> {
  if (scopes.has('admin')) return new Set(ALL_SCOPES);
  const out = new Set(scopes);
  if (scopes.has('self')) {
    out.add('servers');
    out.add('tokens');
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

export const tokenRoutes: FastifyPluginAsyncTypebox<{ hub: HubContext }> = async (app, { hub }) => {
  const { db } = hub;

  async function owner(name: string): Promise<UserRow> {
    const row = await findUser(db, name);
    if (!row) throw notFound();
    return row;
  }

  app.get(
    '/users/:name/tokens',
    {
      config: { access: userAccess('tokens') },
      schema: {
        summary: "List a user's API tokens",
        tags: ['tokens'],
        params: NameParams,
        response: { 200: Type.Object({ api_tokens: Type.Array(Type.Ref(TokenSchema)) }), ...errors },
      },
    },
    async (request) => {
      const user = await owner(request.params.name);
      const rows = await listTokens(db, user.id);
      return { api_tokens: rows.map((r) => tokenModel(r, user.name)) };
    },
  );

  app.post(
    '/users/:name/tokens',
    {
      config: { access: userAccess('tokens') },
      schema: {
        summary: 'Create an API token',
        description: 'The token is in the answer only; store it, it cannot be shown again.',
        tags: ['tokens'],
        params: NameParams,
        body: Type.Optional(
          Type.Object(
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
          ),
        ),
        response: { 201: Type.Ref(NewTokenSchema), ...errors },
      },
    },
    async (request, reply) => {
      const user = await owner(request.params.name);
      const caller = request.principal as Principal;
      const body = request.body ?? {};
      const requested = body.scopes ?? ['self'];
      const validations = scopeProblems(requested, user, caller);
      const max = hub.config.tokens.max_expires_in_seconds;
      let expiresIn = body.expires_in ?? null;
      if (max > 0) {
        if (expiresIn !== null && expiresIn > max) {
          validations.push({
            field: 'expires_in',
            message: `Tokens on this hub expire after at most ${max} seconds.`,
          });
        }
        expiresIn ??= max;
      }
      if (validations.length > 0) throw new HubError('validation_failed', undefined, { validations });
      const { row, token } = await createToken(db, {
        userId: user.id,
        scopes: requested.filter(isScope),
        note: body.note ?? '',
        expiresInSeconds: expiresIn,
      });
      request.log.info(
        { user: user.name, token_id: row.id, scopes: requested, by: caller.name },
        'token created',
      );
      return reply.code(201).send({ ...tokenModel(row, user.name), token });
    },
  );

  app.get(
    '/users/:name/tokens/:token_id',
    {
      config: { access: userAccess('tokens') },
      schema: {
        summary: 'Get one API token (never the token itself)',
        tags: ['tokens'],
        params: TokenParams,
        response: { 200: Type.Ref(TokenSchema), ...errors },
      },
    },
    async (request) => {
      const user = await owner(request.params.name);
      const row = /^\d+$/.test(request.params.token_id)
        ? await findToken(db, user.id, Number(request.params.token_id))
        : undefined;
      if (!row) throw notFound();
      return tokenModel(row, user.name);
    },
  );

  app.delete(
    '/users/:name/tokens/:token_id',
    {
      config: { access: userAccess('tokens') },
      schema: {
        summary: 'Revoke an API token',
        tags: ['tokens'],
        params: TokenParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const user = await owner(request.params.name);
      const row = /^\d+$/.test(request.params.token_id)
        ? await findToken(db, user.id, Number(request.params.token_id))
        : undefined;
      if (!row) throw notFound();
      await revokeToken(db, row.id);
      request.log.info({ user: user.name, token_id: row.id, by: request.principal?.name }, 'token revoked');
      return reply.code(204).send(null);
    },
  );
};
