// The signed-in user's home page: their servers, how recent ones ended, and the notices.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { usageTimeZone } from '../../config/index.js';
import { subjectOf, userAccess } from '../../http/access.js';
import { callerOf } from '../../http/principal.js';
import { listShareCodes, listShares } from '../../shares/store.js';
import { ACTIVE_STATUSES } from '../../spawn/index.js';
import { recentWeeks } from '../../usage/index.js';
import { FormBodySchema, formValue } from '../forms.js';
import { loadNotices, maintenanceBanner, newsPanel } from '../news/view.js';
import { sendPage, type WebDeps } from '../render.js';
import { serverView } from '../servers.js';
import type { ShareDialogView } from '../share/view.js';
import { homeBody } from './page.js';
import { presetsPanel } from './presets.js';

const RECENT_ENDS = 5;

export const homeRoutes: FastifyPluginAsyncTypebox<WebDeps> = async (
  app,
  { hub, site, spawning, presets },
) => {
  app.get(
    '/hub/home',
    {
      config: { access: { kind: 'authenticated' } },
      schema: {
        hide: true,
        querystring: Type.Object({
          share: Type.Optional(Type.String({ maxLength: 100 })),
          saved: Type.Optional(Type.String({ maxLength: 100 })),
        }),
      },
    },
    async (request, reply) => {
      const p = request.principal;
      if (!p) return reply.redirect('/hub/login');
      // Independent reads, at once: on PostgreSQL each is a round trip of its own. The notices are
      // kept in memory until news change (shownNews).
      const [rows, shares, codes, notices, usage, userPresets] = await Promise.all([
        hub.db.selectFrom('servers').selectAll().where('user_id', '=', p.userId).orderBy('name').execute(),
        listShares(hub.db, { ownerId: p.userId }),
        listShareCodes(hub.db, { ownerId: p.userId }),
        loadNotices(hub.db),
        recentWeeks(hub.db, p.name, usageTimeZone(hub.config)),
        presets.list({ id: p.userId }),
      ]);
      const now = Date.now();
      const views = rows.map((r) => serverView(r, p.name, spawning, now));
      const active = views.filter((s) => (ACTIVE_STATUSES as readonly string[]).includes(s.status));
      const ended = views
        .filter((s) => s.status === 'stopped')
        .sort((a, b) => (b.ended?.at ?? '').localeCompare(a.ended?.at ?? ''))
        .slice(0, RECENT_ENDS);
      const sharing = new Map<string, ShareDialogView>(
        active.map((s) => [
          s.name,
          {
            principal: p,
            owner: p.name,
            server: s.name,
            label: s.label,
            shares: shares.filter((x) => x.server.name === s.name),
            codes: codes.filter((x) => x.server.name === s.name),
          },
        ]),
      );
      const max = hub.config.spawner.servers_per_user;
      const body = homeBody({
        principal: p,
        active,
        ended,
        news: newsPanel(notices.news),
        canStartMore: active.length < max,
        maxServers: max,
        sharing,
        openShare: request.query.share,
        presets: presetsPanel(
          p,
          userPresets,
          (id) => spawning.catalog.get(id)?.title ?? id,
          request.query.saved,
        ),
        usage,
      });
      return sendPage(
        reply,
        site,
        { title: 'Home', current: 'home', banner: maintenanceBanner(notices.maintenance) },
        body,
      );
    },
  );

  // "Delete" on a preset of the home page.
  app.post(
    '/hub/presets/:name/delete',
    {
      config: { access: userAccess('servers') },
      schema: { hide: true, params: Type.Object({ name: Type.String() }), body: FormBodySchema },
    },
    async (request, reply) => {
      await presets.remove(callerOf(request), subjectOf(request), formValue(request.body, 'preset') ?? '');
      return reply.redirect('/hub/home#presets', 303);
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
