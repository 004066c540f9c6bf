// /hub/tokens: the signed-in user's API tokens: create (note, expiry, scopes; the token is
// shown once, in the answer to the form, never in a URL), list, revoke. Through the token rules
// the tokens API uses too (auth/token-issuer.ts), with the form checked against the API's schema.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { scopesOfUser } from '../../auth/scopes.js';
import { issueToken, NewTokenBody, revokeTokenOf } from '../../auth/token-issuer.js';
import { listTokens } from '../../auth/tokens.js';
import { callerOf } from '../../http/principal.js';
import { checkBody } from '../../http/validation.js';
import { attempt, FormBodySchema, formValue, formValues } from '../forms.js';
import { sendPage, type WebDeps } from '../render.js';
import { type TokensView, tokensBody } from './page.js';

const Query = Type.Object({ done: Type.Optional(Type.Literal('revoked')) });

export const tokenPageRoutes: FastifyPluginAsyncTypebox<WebDeps> = async (app, { hub, site, accounts }) => {
  const access = { access: { kind: 'authenticated' } } as const;

  async function show(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: Partial<TokensView> = {},
    status = 200,
  ) {
    const { principal } = callerOf(request);
    const body = tokensBody({
      principal,
      tokens: await listTokens(hub.db, principal.userId),
      grantable: scopesOfUser({ admin: principal.admin }),
      maxSeconds: hub.config.tokens.max_expires_in_seconds,
      ...extra,
    });
    return sendPage(reply.code(status), site, { title: 'API tokens', current: 'tokens' }, body);
  }

  app.get('/hub/tokens', { config: access, schema: { hide: true, querystring: Query } }, (request, reply) =>
    show(request, reply, { done: request.query.done === 'revoked' ? 'The token was revoked.' : undefined }),
  );

  app.post(
    '/hub/tokens',
    { config: access, schema: { hide: true, body: FormBodySchema } },
    async (request, reply) => {
      const caller = callerOf(request);
      const note = (formValue(request.body, 'note') ?? '').trim();
      const expires = formValue(request.body, 'expires') ?? '0';
      const days = /^\d{1,4}$/.test(expires) ? Number(expires) : 0;
      const scopes = formValues(request.body, 'scopes');
      const result = await attempt(async () => {
        const wanted = { note, expires_in: days === 0 ? null : days * 86400, scopes };
        checkBody(NewTokenBody, wanted);
        const owner = await accounts.existing(caller.principal.name);
        return issueToken(hub.db, caller, owner, wanted, hub.config.tokens.max_expires_in_seconds);
      });
      if (result.ok) return show(request, reply, { created: { token: result.value.token, note } });
      const refusal = result.refusal;
      return show(
        request,
        reply,
        {
          error: refusal.code === 'validation_failed' ? 'The token was not created.' : refusal.message,
          validations: refusal.validations,
          values: { note, expires, scopes },
        },
        refusal.status,
      );
    },
  );

  app.post(
    '/hub/tokens/:id/revoke',
    {
      config: access,
      schema: {
        hide: true,
        params: Type.Object({ id: Type.String({ maxLength: 20 }) }),
        body: FormBodySchema,
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const owner = await accounts.existing(caller.principal.name);
      await revokeTokenOf(hub.db, caller, owner, request.params.id);
      return reply.redirect('/hub/tokens?done=revoked', 303);
    },
  );
};
