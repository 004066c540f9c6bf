// /hub/api/users: list, read, create, change and delete accounts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Paginated, UserSchema } from '@hpchub/protocol';
import { Type } from '@sinclair/typebox';
import { deleteSessionsOfUser } from '../auth/sessions.js';
import type { HubContext } from '../context.js';
import type { UserRow } from '../db/schema.js';
import { type FieldValidation, HubError, notFound } from '../errors/index.js';
import { subjectOf, userAccess } from '../http/access.js';
import { errorResponses } from '../http/responses.js';
import { serversOfUsers } from '../spawn/index.js';
import { usernameProblem } from '../users/names.js';
import { hashPassword, passwordProblem } from '../users/password.js';
import { createUser, deleteUser, findUser, groupsOfUsers, listUsers, updateUser } from '../users/store.js';
import { only, userModel } from './models.js';
import { PageQuery, pageOf, paginated } from './pagination.js';

const NameParams = Type.Object({ name: Type.String({ description: 'The username.' }) });
const UserList = Type.Union([Type.Array(Type.Ref(UserSchema)), Paginated(UserSchema, 'UserPage')]);
const errors = errorResponses(400, 401, 404, 409);

/** One validation per problem in a new or changed account. */
function accountProblems(fields: {
  name?: string | undefined;
  password?: string | undefined;
}): FieldValidation[] {
  const out: FieldValidation[] = [];
  const nameProblem = fields.name === undefined ? null : usernameProblem(fields.name);
  if (nameProblem) out.push({ field: 'name', message: nameProblem });
  const pwProblem = fields.password === undefined ? null : passwordProblem(fields.password);
  if (pwProblem) out.push({ field: 'password', message: pwProblem });
  return out;
}

function rejectIfAny(validations: FieldValidation[]): void {
  if (validations.length > 0) throw new HubError('validation_failed', undefined, { validations });
}

export const userRoutes: FastifyPluginAsyncTypebox<{ hub: HubContext }> = async (app, { hub }) => {
  const { db } = hub;

  async function models(rows: UserRow[]) {
    const ids = rows.map((r) => r.id);
    const groups = await groupsOfUsers(db, ids);
    const servers = await serversOfUsers(db, ids);
    return rows.map((r) =>
      userModel(
        r,
        groups.get(r.id) ?? [],
        servers.filter((s) => s.user_id === r.id),
      ),
    );
  }

  async function existing(name: string): Promise<UserRow> {
    const row = await findUser(db, name);
    if (!row) throw notFound();
    return row;
  }

  app.get(
    '/users',
    {
      config: { access: { kind: 'admin', orReadUsers: true } },
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
      const { rows, total } = await listUsers(db, {
        ...page,
        state: request.query.state,
        nameFilter: request.query.name_filter,
      });
      return paginated(request, await models(rows), page, total);
    },
  );

  app.post(
    '/users',
    {
      config: { access: { kind: 'admin' } },
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
      const validations: FieldValidation[] = [];
      usernames.forEach((name, i) => {
        const problem = usernameProblem(name);
        if (problem) validations.push({ field: `usernames.${i}`, message: problem });
      });
      rejectIfAny(validations);
      for (const [i, name] of usernames.entries()) {
        if ((await findUser(db, name)) || usernames.indexOf(name) !== i) {
          validations.push({ field: `usernames.${i}`, message: `A user named ${name} already exists.` });
        }
      }
      if (validations.length > 0)
        throw new HubError('conflict', 'Some of these users already exist.', { validations });
      const rows = await db.transaction().execute(async (tx) => {
        const created: UserRow[] = [];
        for (const name of usernames) created.push(await createUser(tx, { name, admin: admin ?? false }));
        return created;
      });
      request.log.info({ users: usernames, by: request.principal?.name }, 'users created');
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
      config: { access: { kind: 'admin' } },
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
      const { name } = request.params;
      const body = request.body ?? {};
      rejectIfAny(accountProblems({ name, password: body.password }));
      const passwordHash = body.password === undefined ? null : await hashPassword(body.password);
      const row = await createUser(db, { name, admin: body.admin ?? false, passwordHash });
      request.log.info({ user: name, admin: row.admin === 1, by: request.principal?.name }, 'user created');
      return reply.code(201).send(only(await models([row])));
    },
  );

  app.patch(
    '/users/:name',
    {
      config: { access: { kind: 'admin' } },
      schema: {
        summary: 'Change a user: rename, admin flag, block, password',
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
      const row = await existing(request.params.name);
      const body = request.body;
      const validations = accountProblems({ name: body.name, password: body.password });
      const self = request.principal?.userId === row.id;
      if (self && body.admin === false)
        validations.push({ field: 'admin', message: 'You cannot remove your own admin rights.' });
      if (self && body.blocked === true)
        validations.push({ field: 'blocked', message: 'You cannot block yourself.' });
      rejectIfAny(validations);
      if (body.name !== undefined && body.name !== row.name && (await findUser(db, body.name))) {
        throw new HubError('conflict', `A user named ${body.name} already exists.`, {
          validations: [{ field: 'name', message: `A user named ${body.name} already exists.` }],
        });
      }
      const updated = await updateUser(db, row.id, {
        name: body.name,
        admin: body.admin,
        blocked: body.blocked,
        passwordHash: body.password === undefined ? undefined : await hashPassword(body.password),
      });
      // A blocked user or a changed password must not keep old sessions alive.
      if (body.blocked === true || body.password !== undefined) await deleteSessionsOfUser(db, row.id);
      request.log.info(
        {
          user: row.name,
          changed: Object.keys(body).filter((k) => k !== 'password'),
          by: request.principal?.name,
        },
        'user changed',
      );
      return only(await models([updated]));
    },
  );

  app.delete(
    '/users/:name',
    {
      config: { access: { kind: 'admin' } },
      schema: {
        summary: 'Delete a user, with their tokens and sessions',
        tags: ['users'],
        params: NameParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const row = await existing(request.params.name);
      if (request.principal?.userId === row.id) {
        throw new HubError('validation_failed', 'You cannot delete your own account.', {
          validations: [{ field: 'name', message: 'You cannot delete your own account.' }],
        });
      }
      await deleteUser(db, row.id);
      request.log.info({ user: row.name, by: request.principal?.name }, 'user deleted');
      return reply.code(204).send(null);
    },
  );
};
