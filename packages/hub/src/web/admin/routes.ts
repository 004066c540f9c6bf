// The admin area (/hub/admin/…): users, running servers, news and maintenance notices, usage. Every
// route declares admin access; to anyone else the area does not exist (404).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { WebDeps } from '../render.js';
import { adminNewsRoutes } from './news.js';
import { adminServerRoutes } from './servers.js';
import { adminUsageRoutes } from './usage.js';
import { adminUserRoutes } from './users.js';

export const adminRoutes: FastifyPluginAsyncTypebox<WebDeps> = async (app, deps) => {
  await app.register(adminUserRoutes, deps);
  await app.register(adminServerRoutes, deps);
  await app.register(adminNewsRoutes, deps);
  await app.register(adminUsageRoutes, deps);
};
