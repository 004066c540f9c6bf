// The pages: one plugin per screen, all behind one guard that sends anonymous visitors of a
// signed-in page to the login page (and back afterwards) instead of answering 401.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { adminRoutes } from './admin/routes.js';
import { homeRoutes } from './home/routes.js';
import { loginRoutes } from './login/routes.js';
import { ssoRoutes } from './login/sso-routes.js';
import { notebookRoutes } from './notebooks/routes.js';
import type { WebDeps } from './render.js';
import { serverActionRoutes } from './server-actions.js';
import { sharePageRoutes } from './share/routes.js';
import { spawnRoutes } from './spawn/routes.js';
import { pendingRoutes } from './spawn-pending/routes.js';
import { staticRoutes } from './static-routes.js';
import { tokenPageRoutes } from './tokens/routes.js';

export type { WebDeps } from './render.js';

export const webRoutes: FastifyPluginAsyncTypebox<WebDeps> = async (app, deps) => {
  // Runs after the principal is resolved and before the access check, which would answer 401.
  app.addHook('onRequest', async (request, reply) => {
    const access = request.routeOptions.config.access;
    if (!access || access.kind === 'public' || request.principal || request.method !== 'GET') return;
    return reply.redirect(`/hub/login?next=${encodeURIComponent(request.url)}`);
  });
  await app.register(loginRoutes, deps);
  await app.register(ssoRoutes, deps);
  await app.register(homeRoutes, deps);
  await app.register(spawnRoutes, deps);
  await app.register(pendingRoutes, deps);
  await app.register(serverActionRoutes, deps);
  await app.register(sharePageRoutes, deps);
  await app.register(notebookRoutes, deps);
  await app.register(adminRoutes, deps);
  await app.register(tokenPageRoutes, deps);
  await app.register(staticRoutes, deps);
};
