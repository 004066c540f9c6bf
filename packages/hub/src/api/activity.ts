// POST /hub/api/users/{name}/activity: what jupyterhub-singleuser (and other JupyterHub clients)
// send to say a user and their servers were used, in JupyterHub's shape. A server's activity
// moves its owner's too; times never move back. Times more than five minutes ahead of the hub's
// clock are refused (JupyterHub allows up to an hour; hpchub's own agents are taken at the hub's
// now anyway), times a little ahead are taken as now, so a skewed clock cannot keep a server alive.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { HubContext } from '../context.js';
import { HubError } from '../errors/index.js';
import { subjectOf, userAccess } from '../http/access.js';
import { errorResponses } from '../http/responses.js';
import { findServer, type SpawningService } from '../spawn/index.js';
import { touchUser } from '../users/store.js';

const SKEW_MS = 5 * 60_000;
const Timestamp = Type.String({ format: 'date-time', maxLength: 64 });

const ActivityBody = Type.Object(
  {
    last_activity: Type.Optional(Timestamp),
    servers: Type.Optional(
      Type.Record(Type.String({ maxLength: 255 }), Type.Object({ last_activity: Timestamp }), {
        maxProperties: 100,
      }),
    ),
  },
  { minProperties: 1 },
);

/** The time a client reported, at most now; a 400 naming the field when it lies in the future. */
function reported(text: string, field: string, now: number): string {
  const at = Date.parse(text);
  if (!Number.isFinite(at))
    throw new HubError('validation_failed', undefined, {
      validations: [{ field, message: `${text} is not a time.` }],
    });
  if (at > now + SKEW_MS)
    throw new HubError('validation_failed', undefined, {
      validations: [{ field, message: `${text} lies in the future; activity can only have happened.` }],
    });
  return new Date(Math.min(at, now)).toISOString();
}

export const activityRoutes: FastifyPluginAsyncTypebox<{
  hub: HubContext;
  spawning: SpawningService;
}> = async (app, { hub, spawning }) => {
  app.post(
    '/users/:name/activity',
    {
      config: { access: userAccess('activity') },
      schema: {
        summary: 'Report activity of a user and their servers (JupyterHub’s shape)',
        description:
          'At least one of `last_activity` (the user) and `servers` (by server name, `""` the default one). ' +
          'Times never move back; times in the future are refused.',
        tags: ['users'],
        params: Type.Object({ name: Type.String({ description: 'The username.' }) }),
        body: ActivityBody,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const user = subjectOf(request);
      const now = Date.now();
      const { last_activity, servers = {} } = request.body;
      // Every time and server is checked before anything is written.
      const updates = [];
      for (const [name, server] of Object.entries(servers)) {
        const row = await findServer(hub.db, user.id, name);
        if (!row)
          throw new HubError('validation_failed', undefined, {
            validations: [
              { field: `servers.${name}`, message: `${user.name} has no server named "${name}".` },
            ],
          });
        updates.push({
          id: row.id,
          at: reported(server.last_activity, `servers.${name}.last_activity`, now),
        });
      }
      const userAt = last_activity === undefined ? undefined : reported(last_activity, 'last_activity', now);
      for (const u of updates) await spawning.recordActivity(u.id, user.id, new Date(u.at));
      if (userAt) await touchUser(hub.db, user.id, userAt);
      return reply.code(204).send(null);
    },
  );
};
