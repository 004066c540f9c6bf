// Sharing from the pages: the share dialog's forms (POST /hub/share/{owner}: share, withdraw,
// create a link, revoke a link) and the page a share link opens (/hub/accept-share?code=…),
// where a signed-in user accepts and is taken to the server. Through the sharing rules the REST
// API uses (shares/rules.ts), with each form checked against the API's body schema.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { serverPrefix } from '../../apps/launch.js';
import type { UserRow } from '../../db/schema.js';
import { HubError } from '../../errors/index.js';
import { subjectOf, userAccess } from '../../http/access.js';
import { originOf } from '../../http/origin.js';
import { callerOf } from '../../http/principal.js';
import { checkBody } from '../../http/validation.js';
import { acceptShareUrl, GranteeBody, NewShareCodeBody, type Sharing } from '../../shares/rules.js';
import { peekShareCode, type SharedServer } from '../../shares/store.js';
import { html } from '../../ui/html.js';
import { attempt, csrfField, FormBodySchema, formValue } from '../forms.js';
import { sendPage, type WebDeps } from '../render.js';
import { type ShareDialogView, shareDialog } from './view.js';

const CODE = Type.String({ maxLength: 200 });

const labelOf = (name: string) => (name === '' ? 'default' : name);

/** The dialog's content for a server: its shares and live links. */
async function shareDialogView(
  sharing: Sharing,
  request: FastifyRequest,
  server: SharedServer,
): Promise<ShareDialogView> {
  return {
    principal: callerOf(request).principal,
    owner: server.owner,
    server: server.name,
    label: labelOf(server.name),
    shares: await sharing.shares(server),
    codes: await sharing.codes(server),
  };
}

export const sharePageRoutes: FastifyPluginAsyncTypebox<WebDeps> = async (app, { hub, site, sharing }) => {
  const ownerAccess = { access: userAccess('servers') };

  async function showDialog(
    request: FastifyRequest,
    reply: FastifyReply,
    server: SharedServer,
    extra: Partial<ShareDialogView> = {},
    status = 200,
  ) {
    const view = { ...(await shareDialogView(sharing, request, server)), ...extra };
    const title = `Share ${server.owner}'s server ${view.label}`;
    return sendPage(
      reply.code(status),
      site,
      { title, current: 'home' },
      html`<div class="page-head"><h1>${title}</h1><a class="button secondary" href="/hub/home">Back to your servers</a></div>
        <section class="panel">${shareDialog(view)}</section>`,
    );
  }

  app.get(
    '/hub/share/:name',
    {
      config: ownerAccess,
      schema: {
        hide: true,
        params: Type.Object({ name: Type.String() }),
        querystring: Type.Object({ server: Type.Optional(Type.String({ maxLength: 100 })) }),
      },
    },
    async (request, reply) =>
      showDialog(request, reply, await sharing.server(subjectOf(request), request.query.server ?? '')),
  );

  app.post(
    '/hub/share/:name',
    {
      config: ownerAccess,
      schema: { hide: true, params: Type.Object({ name: Type.String() }), body: FormBodySchema },
    },
    async (request, reply) => {
      const owner: UserRow = subjectOf(request);
      const server = await sharing.server(owner, formValue(request.body, 'server') ?? '');
      const caller = callerOf(request);
      const action = formValue(request.body, 'action');
      const kind = formValue(request.body, 'kind') === 'group' ? 'group' : 'user';
      const who = (formValue(request.body, 'who') ?? '').trim();
      const back = () =>
        reply.redirect(
          `/hub/home?share=${encodeURIComponent(labelOf(server.name))}#share-${labelOf(server.name)}`,
          303,
        );
      const result = await attempt(async () => {
        switch (action) {
          case 'share': {
            const body = { [kind]: who };
            checkBody(GranteeBody, body);
            await sharing.grant(caller, server, body);
            return back();
          }
          case 'withdraw': {
            const body = { [kind]: who };
            checkBody(GranteeBody, body);
            await sharing.revoke(caller, server, body);
            return back();
          }
          case 'create-link': {
            const seconds = Number(formValue(request.body, 'expires_in') ?? '86400');
            const body = {
              expires_in: seconds,
              ...(formValue(request.body, 'single_use') === '1' && { max_exchanges: 1 }),
            };
            checkBody(NewShareCodeBody, body);
            const made = await sharing.createCode(caller, server, body);
            return showDialog(request, reply, server, {
              created: {
                url: `${originOf(request)}${acceptShareUrl(made.code)}`,
                expiresAt: made.listing.row.expires_at,
                singleUse: made.listing.row.max_exchanges === 1,
              },
            });
          }
          case 'revoke-link':
            await sharing.revokeCodes(caller, server, { id: formValue(request.body, 'id') ?? '' });
            return back();
          default:
            throw new HubError('bad_request', 'The form asked for something the share dialog does not do.');
        }
      });
      if (result.ok) return result.value;
      return showDialog(
        request,
        reply,
        server,
        { error: result.refusal.validations?.[0]?.message ?? result.refusal.message },
        result.refusal.status,
      );
    },
  );

  app.get(
    '/hub/accept-share',
    {
      config: { access: { kind: 'authenticated' } },
      schema: { hide: true, querystring: Type.Object({ code: Type.Optional(CODE) }) },
    },
    async (request, reply) => {
      const code = request.query.code ?? '';
      const live = code === '' ? undefined : await peekShareCode(hub.db, code);
      if (!live)
        throw new HubError('not_found', 'This share link is not valid: it may have expired or been used up.');
      const { server } = live;
      const label = labelOf(server.name);
      const own = server.owner === request.principal?.name;
      return sendPage(
        reply,
        site,
        { title: 'Accept a shared server' },
        html`<div class="page-head"><h1>Accept a shared server</h1></div>
        <section class="panel">
          <p><strong>${server.owner}</strong> shares their server <strong>${label}</strong> with you.
            Accepting lets you open it until they withdraw the share.</p>
          ${
            own
              ? html`<p class="alert info">This is your own server; you can always open it.</p>`
              : html`<form method="post" action="/hub/accept-share">${csrfField(request.principal)}
                <input type="hidden" name="code" value="${code}">
                <button type="submit">Accept and open</button></form>`
          }
        </section>`,
      );
    },
  );

  app.post(
    '/hub/accept-share',
    { config: { access: { kind: 'authenticated' } }, schema: { hide: true, body: FormBodySchema } },
    async (request, reply) => {
      const server = await sharing.redeem(callerOf(request), formValue(request.body, 'code') ?? '');
      return reply.redirect(serverPrefix(server.owner, server.name), 303);
    },
  );
};
