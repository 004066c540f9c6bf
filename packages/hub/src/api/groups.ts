// /hub/api/groups: named sets of users (for sharing servers and per-group form restrictions).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { GroupSchema, Paginated } from '@hpchub/protocol';
import { Type } from '@sinclair/typebox';
import type { HubContext } from '../context.js';
import type { GroupRow } from '../db/schema.js';
import { HubError, notFound } from '../errors/index.js';
import { errorResponses } from '../http/responses.js';
import type { Sharing } from '../shares/rules.js';
import { groupNameProblem } from '../users/names.js';
import {
  addMembers,
  countGroups,
  createGroup,
  deleteGroup,
  findGroup,
  listGroups,
  membersOfGroups,
  removeMembers,
  usersByNames,
} from '../users/store.js';
import { groupModel, only } from './models.js';
import { PageQuery, pageOf, paginated } from './pagination.js';

const GroupParams = Type.Object({ group: Type.String() });
const Members = Type.Object(
  { users: Type.Array(Type.String(), { maxItems: 10_000 }) },
  { additionalProperties: false },
);
const errors = errorResponses(400, 401, 404, 409);
const admin = { access: { kind: 'admin' as const } };

export const groupRoutes: FastifyPluginAsyncTypebox<{ hub: HubContext; sharing: Sharing }> = async (
  app,
  { hub, sharing },
) => {
  const { db } = hub;

  async function models(rows: GroupRow[]) {
    const members = await membersOfGroups(
      db,
      rows.map((r) => r.id),
    );
    return rows.map((r) => groupModel(r, members.get(r.id) ?? []));
  }

  async function existing(name: string): Promise<GroupRow> {
    const row = await findGroup(db, name);
    if (!row) throw notFound();
    return row;
  }

  app.get(
    '/groups',
    {
      config: admin,
      schema: {
        summary: 'List groups',
        tags: ['groups'],
        querystring: Type.Object(PageQuery, { additionalProperties: false }),
        response: {
          200: Type.Union([Type.Array(Type.Ref(GroupSchema)), Paginated(GroupSchema, 'GroupPage')]),
          ...errors,
        },
      },
    },
    async (request) => {
      const page = pageOf(request.query, hub.config.api);
      const rows = await listGroups(db, page.offset, page.limit);
      return paginated(request, await models(rows), page, () => countGroups(db));
    },
  );

  app.get(
    '/groups/:group',
    {
      config: admin,
      schema: {
        summary: 'Get a group',
        tags: ['groups'],
        params: GroupParams,
        response: { 200: Type.Ref(GroupSchema), ...errors },
      },
    },
    async (request) => only(await models([await existing(request.params.group)])),
  );

  app.post(
    '/groups/:group',
    {
      config: admin,
      schema: {
        summary: 'Create a group',
        tags: ['groups'],
        params: GroupParams,
        body: Type.Optional(
          Type.Object(
            {
              users: Type.Optional(Members.properties.users),
              description: Type.Optional(Type.String({ maxLength: 1000 })),
            },
            { additionalProperties: false },
          ),
        ),
        response: { 201: Type.Ref(GroupSchema), ...errors },
      },
    },
    async (request, reply) => {
      const name = request.params.group;
      const problem = groupNameProblem(name);
      if (problem)
        throw new HubError('validation_failed', undefined, {
          validations: [{ field: 'name', message: problem }],
        });
      const members = await usersByNames(db, request.body?.users ?? []);
      const row = await db.transaction().execute(async (tx) => {
        const group = await createGroup(tx, name, request.body?.description ?? '');
        await addMembers(
          tx,
          group.id,
          members.map((u) => u.id),
        );
        return group;
      });
      request.log.info({ group: name, by: request.principal?.name }, 'group created');
      return reply.code(201).send(only(await models([row])));
    },
  );

  app.delete(
    '/groups/:group',
    {
      config: admin,
      schema: {
        summary: 'Delete a group',
        tags: ['groups'],
        params: GroupParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const row = await existing(request.params.group);
      // Its members lose what was shared with the group, open WebSockets included.
      const members = (await membersOfGroups(db, [row.id])).get(row.id) ?? [];
      const ids = (await usersByNames(db, members)).map((u) => u.id);
      await sharing.groupChange(row.id, ids, () => deleteGroup(db, row.id));
      request.log.info({ group: row.name, by: request.principal?.name }, 'group deleted');
      return reply.code(204).send(null);
    },
  );

  // Adding and removing members differ only in the method and the store call.
  for (const [method, summary, change] of [
    ['POST', 'Add users to a group', addMembers],
    ['DELETE', 'Remove users from a group', removeMembers],
  ] as const) {
    app.route({
      method,
      url: '/groups/:group/users',
      config: admin,
      schema: {
        summary,
        tags: ['groups'],
        params: GroupParams,
        body: Members,
        response: { 200: Type.Ref(GroupSchema), ...errors },
      },
      handler: async (request) => {
        const row = await existing(request.params.group);
        const users = await usersByNames(db, request.body.users);
        const ids = users.map((u) => u.id);
        // Shares with the group follow at once (added members in, removed ones out).
        await sharing.groupChange(row.id, ids, () => change(db, row.id, ids));
        request.log.info(
          { group: row.name, users: request.body.users, by: request.principal?.name },
          summary.toLowerCase(),
        );
        return only(await models([row]));
      },
    });
  }
};
