// /hub/api/users: list, read, create, change and delete accounts. The rules of changing them
// (auth/accounts.ts) are shared with the admin pages.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Paginated, UserSchema } from '@hpchub/protocol';
import { Type } from '@sinclair/typebox';
import type { Accounts } from '../auth/accounts.js';
import type { HubContext } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { subjectOf, userAccess } from '../http/access.js';
import { callerOf } from '../http/principal.js';
import { errorResponses } from '../http/responses.js';
import { serversOfUsers } from '../spawn/index.js';
import { countListedUsers, groupsOfUsers, listUsers } from '../users/store.js';
import { only, type ServerFacts, userModel } from './models.js';
import { PageQuery, pageOf, paginated } from './pagination.js';

const NameParams = Type.Object({ name: Type.String({ description: 'The username.' }) });
const UserList = Type.Union([Type.Array(Type.Ref(UserSchema)), Paginated(UserSchema, 'UserPage')]);
const errors = errorResponses(400, 401, 404, 409);
/** Creating, changing and deleting accounts: admins, and JupyterHub's admin:users scope. */
const usersAdmin = { kind: 'admin', orScopes: ['admin:users'] } as const;

export const userRoutes: FastifyPluginAsyncTypebox<{
  hub: HubContext;
  accounts: Accounts;
  facts: ServerFacts;
}> = async (app, { hub, accounts, facts }) => {
  const { db } = hub;

  async function models(rows: UserRow[]) {
    const ids = rows.map((r) => r.id);
    // At once: on PostgreSQL each is a round trip.
    const [groups, servers] = await Promise.all([groupsOfUsers(db, ids), serversOfUsers(db, ids)]);
    return rows.map((r) =>
      userModel(
        r,
        groups.get(r.id) ?? [],
        servers.filter((s) => s.user_id === r.id),
        facts,
      ),
    );
  }

  app.get(
    '/users',
    {
      config: { access: { kind: 'admin', orScopes: ['read:users', 'list:users'] } },
      schema: {
        summary: 'List users',
        tags: ['users'],
        querystring: Type.Object(
          {
            ...PageQuery,
            state: Type.Optional(
              Type.Union([Type.Literal('active'), Type.Literal('inactive'), Type.Literal('ready')]),
            ),
            name_filter: Type.Optional(
              Type.String({ maxLength: 32, description: 'Only names starting with this.' }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: UserList, ...errors },
      },
    },
    async (request) => {
      const page = pageOf(request.query, hub.config.api);
      const filters = { state: request.query.state, nameFilter: request.query.name_filter };
      const rows = await listUsers(db, { ...page, ...filters });
      return paginated(request, await models(rows), page, () => countListedUsers(db, filters));
    },
  );

  app.post(
    '/users',
    {
      config: { access: usersAdmin },
      schema: {
        summary: 'Create several users at once',
        tags: ['users'],
        body: Type.Object(
          {
            usernames: Type.Array(Type.String(), { minItems: 1, maxItems: 1000 }),
            admin: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: { 201: Type.Array(Type.Ref(UserSchema)), ...errors },
      },
    },
    async (request, reply) => {
      const { usernames, admin } = request.body;
      const rows = await accounts.createMany(callerOf(request), usernames, admin ?? false);
      return reply.code(201).send(await models(rows));
    },
  );

  app.get(
    '/users/:name',
    {
      config: { access: userAccess('read') },
      schema: {
        summary: 'Get a user',
        tags: ['users'],
        params: NameParams,
        response: { 200: Type.Ref(UserSchema), ...errors },
      },
    },
    async (request) => only(await models([subjectOf(request)])),
  );

  app.post(
    '/users/:name',
    {
      config: { access: usersAdmin },
      schema: {
        summary: 'Create a user',
        description: 'A password makes the account usable with the local authenticator.',
        tags: ['users'],
        params: NameParams,
        body: Type.Optional(
          Type.Object(
            { admin: Type.Optional(Type.Boolean()), password: Type.Optional(Type.String()) },
            { additionalProperties: false },
          ),
        ),
        response: { 201: Type.Ref(UserSchema), ...errors },
      },
    },
    async (request, reply) => {
      const row = await accounts.create(callerOf(request), request.params.name, request.body ?? {});
      return reply.code(201).send(only(await models([row])));
    },
  );

  app.patch(
    '/users/:name',
    {
      config: { access: usersAdmin },
      schema: {
        summary: 'Change a user: rename, admin flag, block, password',
        description:
          'Blocking a user ends their sessions and stops their servers; a user whose servers are active cannot be renamed (409).',
        tags: ['users'],
        params: NameParams,
        body: Type.Object(
          {
            name: Type.Optional(Type.String()),
            admin: Type.Optional(Type.Boolean()),
            blocked: Type.Optional(Type.Boolean()),
            password: Type.Optional(Type.String()),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: Type.Ref(UserSchema), ...errors },
      },
    },
    async (request) => {
      const row = await accounts.change(callerOf(request), request.params.name, request.body);
      return only(await models([row]));
    },
  );

  app.delete(
    '/users/:name',
    {
      config: { access: usersAdmin },
      schema: {
        summary: 'Delete a user, with their tokens and sessions',
        description: 'Their servers are stopped first.',
        tags: ['users'],
        params: NameParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      await accounts.delete(callerOf(request), request.params.name);
      return reply.code(204).send(null);
    },
  );
};
