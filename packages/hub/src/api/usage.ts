// /hub/api/usage: usage statistics for admins, and /hub/api/users/{name}/usage: a user's own.
// Both are usage/statistics.ts over the range and grouping the query asks for (range.ts checks it).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { UsageReportSchema } from '@hpchub/protocol';
import { type TProperties, Type } from '@sinclair/typebox';
import { usageTimeZone } from '../config/index.js';
import type { HubContext } from '../context.js';
import { subjectOf, userAccess } from '../http/access.js';
import { errorResponses } from '../http/responses.js';
import {
  DIMENSIONS,
  type Dimension,
  type PeriodKind,
  type UsageParams,
  usageQuery,
  usageStatistics,
} from '../usage/index.js';

const text = (description: string) => Type.Optional(Type.String({ maxLength: 200, description }));

const RangeQuery = {
  from: text('First day, `YYYY-MM-DD` in the hub’s time zone (default: the Monday 25 weeks before `to`).'),
  to: text('Last day, included (default: today). At most ten years after `from`.'),
  group_by: Type.Optional(
    Type.Unsafe<PeriodKind>({
      type: 'string',
      enum: ['week', 'day', 'month'],
      description: 'The periods (default: week, Monday to Sunday).',
    }),
  ),
  by: Type.Optional(
    Type.Unsafe<Dimension>({
      type: 'string',
      enum: [...DIMENSIONS],
      description: 'What each period is split by (default: app).',
    }),
  ),
  app: text('Only starts of this app.'),
  group: text('Only starts by members of this group (membership when the start was requested).'),
  partition: text('Only starts in this partition.'),
} satisfies TProperties;

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
          { ...RangeQuery, user: text('Only starts of this user.') },
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
        querystring: Type.Object(RangeQuery, { additionalProperties: false }),
        response: { 200: Type.Ref(UsageReportSchema), ...errors },
      },
    },
    async (request) => report({ ...request.query, user: subjectOf(request).name }),
  );
};
