// The REST API under /hub/api, and its OpenAPI document generated from the route schemas.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { HubContext } from '../context.js';
import { groupRoutes } from './groups.js';
import { rootRoutes } from './root.js';
import { tokenRoutes } from './tokens.js';
import { userRoutes } from './users.js';

export const API_PREFIX = '/hub/api';

export const apiRoutes: FastifyPluginAsyncTypebox<{ hub: HubContext }> = async (app, { hub }) => {
  await app.register(rootRoutes, { hub });
  await app.register(userRoutes, { hub });
  await app.register(tokenRoutes, { hub });
  await app.register(groupRoutes, { hub });

  app.get('/openapi.json', { config: { access: { kind: 'public' } }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
};
