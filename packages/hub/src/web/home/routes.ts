// The signed-in user's home page: their account and their servers.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { HubContext } from '../../context.js';
import { html } from '../html.js';
import { page } from '../layout.js';

export const homeRoutes: FastifyPluginAsyncTypebox<{ hub: HubContext; siteName: string }> = async (
  app,
  { hub, siteName },
) => {
  app.get(
    '/hub/home',
    { config: { access: { kind: 'public' } }, schema: { hide: true } },
    async (request, reply) => {
      const p = request.principal;
      if (!p) return reply.redirect(`/hub/login?next=${encodeURIComponent('/hub/home')}`);
      const servers = await hub.db
        .selectFrom('servers')
        .select(['name', 'app', 'status', 'started', 'end_reason'])
        .where('user_id', '=', p.userId)
        .orderBy('name')
        .execute();
      const body = html`<h1>Welcome, ${p.name}</h1>
      ${p.admin ? html`<p class="muted">You are an administrator of this hub.</p>` : ''}
      <section class="panel" aria-labelledby="servers-title">
        <h2 id="servers-title">Your servers</h2>
        ${
          servers.length === 0
            ? html`<p>You have no servers.</p>`
            : html`<ul>${servers.map(
                (s) =>
                  html`<li><strong>${s.name || 'default'}</strong> · ${s.app} · ${s.status}${s.end_reason ? html` (ended: ${s.end_reason})` : ''}</li>`,
              )}</ul>`
        }
      </section>`;
      return reply
        .type('text/html; charset=utf-8')
        .send(page({ title: 'Home', principal: p, csrfToken: p.csrfToken, siteName }, body));
    },
  );

  app.get('/', { config: { access: { kind: 'public' } }, schema: { hide: true } }, async (_request, reply) =>
    reply.redirect('/hub/home'),
  );
  app.get(
    '/hub/',
    { config: { access: { kind: 'public' } }, schema: { hide: true } },
    async (_request, reply) => reply.redirect('/hub/home'),
  );
};
