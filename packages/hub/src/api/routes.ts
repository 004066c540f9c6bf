// The REST API under /hub/api, and its OpenAPI document generated from the route schemas.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Accounts } from '../auth/accounts.js';
import type { HubContext } from '../context.js';
import type { Presets } from '../presets/rules.js';
import type { ServiceRunner } from '../services/index.js';
import type { Sharing } from '../shares/rules.js';
import type { SpawningService } from '../spawn/index.js';
import { activityRoutes } from './activity.js';
import { groupRoutes } from './groups.js';
import { serverFacts } from './models.js';
import { newsRoutes } from './news.js';
import { presetRoutes } from './presets.js';
import { rootRoutes } from './root.js';
import { serverRoutes } from './servers.js';
import { serviceRoutes } from './services.js';
import { shareRoutes } from './shares.js';
import { spawnFormRoutes } from './spawn-form.js';
import { tokenRoutes } from './tokens.js';
import { usageRoutes } from './usage.js';
import { userRoutes } from './users.js';

export const API_PREFIX = '/hub/api';

export const apiRoutes: FastifyPluginAsyncTypebox<{
  hub: HubContext;
  spawning: SpawningService;
  accounts: Accounts;
  sharing: Sharing;
  presets: Presets;
  services: ServiceRunner;
}> = async (app, { hub, spawning, accounts, sharing, presets, services }) => {
  const facts = serverFacts(spawning);
  await app.register(rootRoutes, { hub, facts });
  await app.register(userRoutes, { hub, accounts, facts });
  await app.register(tokenRoutes, { hub });
  await app.register(groupRoutes, { hub, sharing });
  await app.register(newsRoutes, { hub });
  await app.register(serverRoutes, { hub, spawning });
  await app.register(activityRoutes, { hub, spawning });
  await app.register(serviceRoutes, { services });
  await app.register(spawnFormRoutes, { spawning });
  await app.register(shareRoutes, { hub, sharing });
  await app.register(presetRoutes, { presets });
  await app.register(usageRoutes, { hub });

  app.get('/openapi.json', { config: { access: { kind: 'public' } }, schema: { hide: true } }, async () =>
    app.swagger(),
  );
};
