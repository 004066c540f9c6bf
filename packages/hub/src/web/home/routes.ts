// The signed-in user's home page: their servers, how recent ones ended, and the notices.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ACTIVE_STATUSES } from '../../spawn/index.js';
import { loadNotices, maintenanceBanner, newsPanel } from '../news/view.js';
import { sendPage, type WebDeps } from '../render.js';
import { serverView } from '../servers.js';
import { homeBody } from './page.js';

const RECENT_ENDS = 5;

export const homeRoutes: FastifyPluginAsyncTypebox<WebDeps> = async (app, { hub, site, spawning }) => {
  app.get(
    '/hub/home',
    { config: { access: { kind: 'authenticated' } }, schema: { hide: true } },
    async (request, reply) => {
      const p = request.principal;
      if (!p) return reply.redirect('/hub/login');
      const rows = await hub.db
        .selectFrom('servers')
        .selectAll()
        .where('user_id', '=', p.userId)
        .orderBy('name')
        .execute();
      const now = Date.now();
      const views = rows.map((r) => serverView(r, p.name, spawning.catalog, now));
      const active = views.filter((s) => (ACTIVE_STATUSES as readonly string[]).includes(s.status));
      const ended = views
        .filter((s) => s.status === 'stopped')
        .sort((a, b) => (b.ended?.at ?? '').localeCompare(a.ended?.at ?? ''))
        .slice(0, RECENT_ENDS);
      const notices = await loadNotices(hub.db);
      const max = hub.config.spawner.servers_per_user;
      const body = homeBody({
        principal: p,
        active,
        ended,
        news: newsPanel(notices.news),
        canStartMore: active.length < max,
        maxServers: max,
      });
      return sendPage(
        reply,
        site,
        { title: 'Home', current: 'home', banner: maintenanceBanner(notices.maintenance) },
        body,
      );
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
