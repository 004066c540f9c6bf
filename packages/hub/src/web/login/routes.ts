// Sign in and sign out. The login form is protected against cross-site posting with a
// double-submit token (a random value in a signed cookie and in the form), since there is no
// session to hold a CSRF token yet. Signing out of a session that began with single sign-on
// also signs out at the provider where it supports that (RP-initiated logout).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { deleteSession, lookupSession, SESSION_COOKIE } from '../../auth/sessions.js';
import { HubError } from '../../errors/index.js';
import { html } from '../../ui/html.js';
import { loadNotices, maintenanceBanner, newsPanel } from '../news/view.js';
import { sendPage, type WebDeps } from '../render.js';
import { noAccountPage } from './no-account.js';
import { loginBody } from './page.js';
import { safeNext, secureCookies, startSession } from './session.js';
import { hubBaseUrl } from './sso-routes.js';

const LOGIN_XSRF_COOKIE = 'hpchub-login-xsrf';

function sameValue(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export const loginRoutes: FastifyPluginAsyncTypebox<WebDeps> = async (app, { hub, site }) => {
  async function render(
    request: FastifyRequest,
    reply: FastifyReply,
    view: { username?: string; next?: unknown; error?: string },
  ) {
    const raw = request.cookies[LOGIN_XSRF_COOKIE];
    const signed = raw ? request.unsignCookie(raw) : null;
    let value = signed?.valid ? signed.value : null;
    if (!value) {
      value = randomBytes(18).toString('base64url');
      reply.setCookie(LOGIN_XSRF_COOKIE, value, {
        path: '/hub/login',
        httpOnly: true,
        sameSite: 'lax',
        secure: secureCookies(hub, request),
        signed: true,
      });
    }
    const notices = await loadNotices(hub.db);
    const body = loginBody({
      username: view.username ?? '',
      next: safeNext(view.next),
      xsrf: value,
      error: view.error,
      news: newsPanel(notices.news),
      sso: hub.sso ? { name: hub.sso.client.name } : null,
      passwordLogin: hub.config.auth.password_login,
    });
    return sendPage(reply, site, { title: 'Sign in', banner: maintenanceBanner(notices.maintenance) }, body);
  }

  app.get(
    '/hub/login',
    {
      config: { access: { kind: 'public' } },
      schema: { hide: true, querystring: Type.Object({ next: Type.Optional(Type.String()) }) },
    },
    async (request, reply) => {
      if (request.principal) return reply.redirect(safeNext(request.query.next));
      return render(request, reply, { next: request.query.next });
    },
  );

  app.post(
    '/hub/login',
    {
      config: { access: { kind: 'public' }, csrf: 'login-form' },
      schema: {
        hide: true,
        body: Type.Object({
          username: Type.String({ maxLength: 256 }),
          password: Type.String({ maxLength: 4096 }),
          _xsrf: Type.String({ maxLength: 100 }),
          next: Type.Optional(Type.String({ maxLength: 2000 })),
        }),
      },
    },
    async (request, reply) => {
      const { username, password, _xsrf, next } = request.body;
      const cookie = request.cookies[LOGIN_XSRF_COOKIE];
      const expected = cookie ? request.unsignCookie(cookie) : null;
      if (!expected?.valid || !expected.value || !sameValue(expected.value, _xsrf)) {
        reply.code(403);
        return render(request, reply, { username, next, error: new HubError('csrf_failed').message });
      }
      if (!hub.config.auth.password_login) {
        reply.code(403);
        return render(request, reply, {
          next,
          error: `This hub does not take passwords. Sign in with ${hub.sso?.client.name ?? 'single sign-on'}.`,
        });
      }
      try {
        const user = await hub.login.login({ username, password, address: request.ip });
        await startSession(hub, request, reply, user, { method: 'password' });
        reply.clearCookie(LOGIN_XSRF_COOKIE, { path: '/hub/login' });
        return reply.redirect(safeNext(next), 303);
      } catch (err) {
        if (!(err instanceof HubError) || err.status >= 500) throw err;
        if (err.code === 'no_cluster_account') return noAccountPage(reply, hub, site, err);
        if (err.headers) reply.headers(err.headers);
        reply.code(err.status);
        return render(request, reply, { username, next, error: err.message });
      }
    },
  );

  app.get(
    '/hub/logout',
    { config: { access: { kind: 'public' } }, schema: { hide: true } },
    async (request, reply) => {
      if (!request.principal) return reply.redirect('/hub/login');
      return sendPage(reply, site, { title: 'Sign out' }, loginOutBody(request.principal.csrfToken ?? ''));
    },
  );

  app.post(
    '/hub/logout',
    { config: { access: { kind: 'public' } }, schema: { hide: true } },
    async (request, reply) => {
      let providerLogout: URL | null = null;
      if (request.sessionId) {
        const idToken = (await lookupSession(hub.db, request.sessionId))?.row.id_token;
        await deleteSession(hub.db, request.sessionId);
        request.log.info({ user: request.principal?.name }, 'logged out');
        if (idToken && hub.sso)
          providerLogout = await hub.sso.client.logoutUrl(idToken, `${hubBaseUrl(hub, request)}/hub/login`);
      }
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return reply.redirect(providerLogout?.href ?? '/hub/login', 303);
    },
  );
};

function loginOutBody(xsrf: string) {
  return html`<section class="panel narrow" aria-labelledby="logout-title">
    <h1 id="logout-title">Sign out</h1>
    <p>Your servers keep running after you sign out. Stop them from your home page if you no longer need them.</p>
    <form method="post" action="/hub/logout">
      <input type="hidden" name="_xsrf" value="${xsrf}">
      <button type="submit">Sign out</button>
    </form>
  </section>`;
}
