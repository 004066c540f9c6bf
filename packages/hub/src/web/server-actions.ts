// The buttons of the home, admin and progress pages: stop (or cancel) a server, delete a named
// one. Plain form posts with the CSRF token, forwarded to the servers API as the caller, then
// back to the page they came from.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { userAccess } from '../http/access.js';
import { callApi, orThrow } from './api-client.js';
import { FormBodySchema, formValue } from './forms.js';
import { safeNext } from './login/routes.js';
import type { WebDeps } from './render.js';

const enc = encodeURIComponent;

export const serverActionRoutes: FastifyPluginAsyncTypebox<WebDeps> = async (app) => {
  const schema = { hide: true, params: Type.Object({ name: Type.String() }), body: FormBodySchema };

  app.post(
    '/hub/servers/:name/stop',
    { config: { access: userAccess('servers') }, schema },
    async (request, reply) => {
      const server = formValue(request.body, 'server') ?? '';
      const path =
        server === ''
          ? `/users/${enc(request.params.name)}/server`
          : `/users/${enc(request.params.name)}/servers/${enc(server)}`;
      orThrow(await callApi(app, request, 'DELETE', path));
      return reply.redirect(safeNext(formValue(request.body, 'next')), 303);
    },
  );

  app.post(
    '/hub/servers/:name/delete',
    { config: { access: userAccess('servers') }, schema },
    async (request, reply) => {
      const server = formValue(request.body, 'server') ?? '';
      if (server !== '') {
        const path = `/users/${enc(request.params.name)}/servers/${enc(server)}`;
        orThrow(await callApi(app, request, 'DELETE', path, { remove: true }));
      }
      return reply.redirect(safeNext(formValue(request.body, 'next')), 303);
    },
  );
};
