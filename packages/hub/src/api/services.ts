// /hub/api/services: the hub's services and their state, for admins (JupyterHub lists its
// services at the same path).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { notFound } from '../errors/index.js';
import { errorResponses } from '../http/responses.js';
import type { ServiceRunner } from '../services/index.js';

const ServiceStateSchema = Type.Object({
  kind: Type.Literal('service'),
  name: Type.String(),
  command: Type.Array(Type.String()),
  scopes: Type.Array(Type.String()),
  status: Type.Union([Type.Literal('running'), Type.Literal('restarting'), Type.Literal('stopped')]),
  pid: Type.Union([Type.Integer(), Type.Null()]),
  started: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  restarts: Type.Integer({ minimum: 0 }),
  last_exit: Type.Union([
    Type.Object({
      code: Type.Union([Type.Integer(), Type.Null()]),
      signal: Type.Union([Type.String(), Type.Null()]),
      at: Type.String({ format: 'date-time' }),
    }),
    Type.Null(),
  ]),
});

export const serviceRoutes: FastifyPluginAsyncTypebox<{ services: ServiceRunner }> = async (
  app,
  { services },
) => {
  const admin = { access: { kind: 'admin' as const } };
  const model = (s: ReturnType<ServiceRunner['states']>[number]) => ({ kind: 'service' as const, ...s });

  app.get(
    '/services',
    {
      config: admin,
      schema: {
        summary: 'The services the hub runs, by name, with their state',
        tags: ['services'],
        response: { 200: Type.Record(Type.String(), ServiceStateSchema), ...errorResponses(401, 404) },
      },
    },
    async () => Object.fromEntries(services.states().map((s) => [s.name, model(s)])),
  );

  app.get(
    '/services/:name',
    {
      config: admin,
      schema: {
        summary: 'One service the hub runs, with its state',
        tags: ['services'],
        params: Type.Object({ name: Type.String({ maxLength: 64 }) }),
        response: { 200: ServiceStateSchema, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const found = services.states().find((s) => s.name === request.params.name);
      if (!found) throw notFound();
      return model(found);
    },
  );
};
