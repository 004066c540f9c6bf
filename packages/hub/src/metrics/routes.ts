// /hub/metrics in Prometheus' text format, and the timing of every request the hub answers.
// Reading the metrics needs a token with `read:metrics` (or an admin's) unless
// `metrics.authenticate` is off; without one the answer is 401, with a token that lacks the
// scope the same 404 as for anything else a caller may not see.
import type { FastifyPluginAsync } from 'fastify';
import fp from 'fastify-plugin';
import { canReadMetrics } from '../auth/scopes.js';
import { HubError, notFound } from '../errors/index.js';
import type { HubMetrics } from './hub-metrics.js';

const routes: FastifyPluginAsync<{ metrics: HubMetrics; authenticate: boolean }> = async (
  app,
  { metrics, authenticate },
) => {
  app.addHook('onResponse', async (request, reply) => {
    metrics.request(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });

  app.get(
    '/hub/metrics',
    { config: { access: { kind: authenticate ? 'authenticated' : 'public' } }, schema: { hide: true } },
    async (request, reply) => {
      if (authenticate) {
        if (!request.principal) throw new HubError('unauthorized');
        if (!canReadMetrics(request.principal)) throw notFound();
      }
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    },
  );
};

/** Not encapsulated: the timing hook sees every route of the hub. */
export const metricsRoutes = fp(routes, { name: 'hpchub-metrics', dependencies: ['hpchub-access'] });
