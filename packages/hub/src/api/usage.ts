// /hub/api/usage: usage statistics for admins, and /hub/api/users/{name}/usage: a user's own.
// Both are usage/statistics.ts over the range and grouping the query asks for (range.ts checks it).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { UsageReportSchema } from '@hpchub/protocol';
import { Type } from '@sinclair/typebox';
import { usageTimeZone } from '../config/index.js';
import type { HubContext } from '../context.js';
import { subjectOf, userAccess } from '../http/access.js';
import { errorResponses } from '../http/responses.js';
import { type UsageParams, UsageQuerystring, usageQuery, usageStatistics } from '../usage/index.js';

const errors = errorResponses(400, 401, 404);

export const usageRoutes: FastifyPluginAsyncTypebox<{ hub: HubContext }> = async (app, { hub }) => {
  async function report(params: UsageParams) {
    const zone = usageTimeZone(hub.config);
    const q = usageQuery({ by: 'app', ...params }, zone);
    const stats = await usageStatistics(hub.db, q);
    return { from: q.from, to: q.to, group_by: q.groupBy, by: q.by ?? null, time_zone: zone, ...stats };
  }

  app.get(
    '/usage',
    {
      config: { access: { kind: 'admin', orReadUsers: true } },
      schema: {
        summary: 'Usage statistics of every user',
        description:
          'Starts, distinct users, core- and GPU-hours and median waits per period and app, user, group or partition. A start counts in the period it was requested in; servers still running count up to now.',
        tags: ['usage'],
        querystring: Type.Object(
          {
            ...UsageQuerystring,
            user: Type.Optional(Type.String({ maxLength: 200, description: 'Only starts of this user.' })),
          },
          { additionalProperties: false },
        ),
        response: { 200: Type.Ref(UsageReportSchema), ...errors },
      },
    },
    async (request) => report(request.query),
  );

  app.get(
    '/users/:name/usage',
    {
      config: { access: userAccess('read') },
      schema: {
        summary: 'Usage statistics of one user',
        description: 'The same statistics, of the starts of this user only: a user reads their own.',
        tags: ['usage'],
        params: Type.Object({ name: Type.String() }),
        querystring: Type.Object(UsageQuerystring, { additionalProperties: false }),
        response: { 200: Type.Ref(UsageReportSchema), ...errors },
      },
    },
    async (request) => report({ ...request.query, user: subjectOf(request).name }),
  );
};
