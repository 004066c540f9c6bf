// /hub/tokens: the signed-in user's API tokens: create (note, expiry, scopes; the token is
// shown once, in the answer to the form, never in a URL), list, revoke. Through the tokens API.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { NewTokenModel, TokenModel } from '@hpchub/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Principal, scopesOfUser } from '../../auth/scopes.js';
import { callApi, orThrow } from '../api-client.js';
import { FormBodySchema, formValue, formValues } from '../forms.js';
import { sendPage, type WebDeps } from '../render.js';
import { type TokensView, tokensBody } from './page.js';

const Query = Type.Object({ done: Type.Optional(Type.Literal('revoked')) });

export const tokenPageRoutes: FastifyPluginAsyncTypebox<WebDeps> = async (app, { hub, site }) => {
  const access = { access: { kind: 'authenticated' } } as const;
  const tokensPath = (p: Principal) => `/users/${encodeURIComponent(p.name)}/tokens`;

  async function show(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: Partial<TokensView> = {},
    status = 200,
  ) {
    const principal = request.principal as Principal;
    const { api_tokens } = orThrow(
      await callApi<{ api_tokens: TokenModel[] }>(app, request, 'GET', tokensPath(principal)),
    );
    const body = tokensBody({
      principal,
      tokens: api_tokens,
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
      const principal = request.principal as Principal;
      const note = (formValue(request.body, 'note') ?? '').trim();
      const expires = formValue(request.body, 'expires') ?? '0';
      const days = /^\d{1,4}$/.test(expires) ? Number(expires) : 0;
      const scopes = formValues(request.body, 'scopes');
      const result = await callApi<NewTokenModel>(app, request, 'POST', tokensPath(principal), {
        note,
        expires_in: days === 0 ? null : days * 86400,
        scopes,
      });
      if (result.ok) return show(request, reply, { created: { token: result.body.token, note } });
      return show(
        request,
        reply,
        {
          error:
            result.error.code === 'validation_failed' ? 'The token was not created.' : result.error.message,
          validations: result.error.validations,
          values: { note, expires, scopes },
        },
        result.status,
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
      const principal = request.principal as Principal;
      orThrow(
        await callApi(
          app,
          request,
          'DELETE',
          `${tokensPath(principal)}/${encodeURIComponent(request.params.id)}`,
        ),
      );
      return reply.redirect('/hub/tokens?done=revoked', 303);
    },
  );
};
