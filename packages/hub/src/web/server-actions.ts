// The buttons of the home, admin and progress pages: stop (or cancel) a server, delete a named
// one. Plain form posts with the CSRF token, handed to the spawning service as the caller, then
// back to the page they came from.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { subjectOf, userAccess } from '../http/access.js';
import { type FormBody, FormBodySchema, formValue } from './forms.js';
import { safeNext } from './login/session.js';
import type { WebDeps } from './render.js';

export const serverActionRoutes: FastifyPluginAsyncTypebox<WebDeps> = async (app, { spawning }) => {
  const schema = { hide: true, params: Type.Object({ name: Type.String() }), body: FormBodySchema };
  const access = { access: userAccess('servers') };

  /** Who the action is for, which server, and why it ends (the owner's own stop, or an admin's). */
  function target(request: FastifyRequest & { body: FormBody }) {
    const user = subjectOf(request);
    const reason = request.principal?.name === user.name ? ('user_stop' as const) : ('admin_stop' as const);
    return { user, server: formValue(request.body, 'server') ?? '', reason };
  }

  app.post('/hub/servers/:name/stop', { config: access, schema }, async (request, reply) => {
    const { user, server, reason } = target(request);
    await spawning.stop(user, server, reason);
    return reply.redirect(safeNext(formValue(request.body, 'next')), 303);
  });

  app.post('/hub/servers/:name/delete', { config: access, schema }, async (request, reply) => {
    const { user, server, reason } = target(request);
    if (server !== '') await spawning.remove(user, server, reason);
    return reply.redirect(safeNext(formValue(request.body, 'next')), 303);
  });
};
