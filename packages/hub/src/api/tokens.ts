// /hub/api/users/{name}/tokens: a user's API tokens (JupyterHub's shape). The rules of making and
// revoking them (auth/token-issuer.ts) are shared with the tokens page.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NewTokenSchema, TokenSchema } from '@hpchub/protocol';
import { Type } from '@sinclair/typebox';
import { issueToken, NewTokenBody, revokeTokenOf, tokenOf } from '../auth/token-issuer.js';
import { listTokens } from '../auth/tokens.js';
import type { HubContext } from '../context.js';
import { subjectOf, userAccess } from '../http/access.js';
import { callerOf } from '../http/principal.js';
import { errorResponses } from '../http/responses.js';
import { tokenModel } from './models.js';

const NameParams = Type.Object({ name: Type.String() });
const TokenParams = Type.Object({ name: Type.String(), token_id: Type.String({ maxLength: 20 }) });
const errors = errorResponses(400, 401, 404);

export const tokenRoutes: FastifyPluginAsyncTypebox<{ hub: HubContext }> = async (app, { hub }) => {
  const { db } = hub;
  const access = { access: userAccess('tokens') };

  app.get(
    '/users/:name/tokens',
    {
      config: access,
      schema: {
        summary: "List a user's API tokens",
        tags: ['tokens'],
        params: NameParams,
        response: { 200: Type.Object({ api_tokens: Type.Array(Type.Ref(TokenSchema)) }), ...errors },
      },
    },
    async (request) => {
      const user = subjectOf(request);
      const rows = await listTokens(db, user.id);
      return { api_tokens: rows.map((r) => tokenModel(r, user.name)) };
    },
  );

  app.post(
    '/users/:name/tokens',
    {
      config: access,
      schema: {
        summary: 'Create an API token',
        description: 'The token is in the answer only; store it, it cannot be shown again.',
        tags: ['tokens'],
        params: NameParams,
        body: Type.Optional(NewTokenBody),
        response: { 201: Type.Ref(NewTokenSchema), ...errors },
      },
    },
    async (request, reply) => {
      const user = subjectOf(request);
      const max = hub.config.tokens.max_expires_in_seconds;
      const { row, token } = await issueToken(db, callerOf(request), user, request.body ?? {}, max);
      return reply.code(201).send({ ...tokenModel(row, user.name), token });
    },
  );

  app.get(
    '/users/:name/tokens/:token_id',
    {
      config: access,
      schema: {
        summary: 'Get one API token (never the token itself)',
        tags: ['tokens'],
        params: TokenParams,
        response: { 200: Type.Ref(TokenSchema), ...errors },
      },
    },
    async (request) => {
      const user = subjectOf(request);
      return tokenModel(await tokenOf(db, user, request.params.token_id), user.name);
    },
  );

  app.delete(
    '/users/:name/tokens/:token_id',
    {
      config: access,
      schema: {
        summary: 'Revoke an API token',
        tags: ['tokens'],
        params: TokenParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await revokeTokenOf(db, callerOf(request), subjectOf(request), request.params.token_id);
      return reply.code(204).send(null);
    },
  );
};
