// The API's root resources: version, hub info, health, and "who am I".

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { UserSchema } from '@hpchub/protocol';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { HubContext } from '../context.js';
import { HubError } from '../errors/index.js';
import { serversOfUsers } from '../spawn/index.js';
import { findUserById, groupsOfUsers } from '../users/store.js';
import { type ServerFacts, userModel } from './models.js';

/** The JupyterHub REST API whose routes, fields, scopes and paging hpchub's API follows. */
export const JUPYTERHUB_API_VERSION = '5.0.0';

/** Whether the hub can serve: its database answers. Also served at /hub/health for load balancers. */
export async function checkHealth(hub: HubContext): Promise<{ status: 'ok'; database: 'ok' }> {
  try {
    await sql`select 1`.execute(hub.db);
  } catch (err) {
    throw new HubError('unavailable', 'The hub cannot reach its database.', { detail: String(err) });
  }
  return { status: 'ok', database: 'ok' };
}

export const rootRoutes: FastifyPluginAsyncTypebox<{ hub: HubContext; facts: ServerFacts }> = async (
  app,
  { hub, facts },
) => {
  app.get(
    '/',
    {
      config: { access: { kind: 'public' } },
      schema: {
        summary: 'The JupyterHub API version this API follows, and hpchub’s own version',
        description:
          'JupyterHub clients gate features on `version` (jupyterhub-idle-culler filters users with ' +
          '`?state=` from 1.3.0 on), so it names the JupyterHub REST API that hpchub implements; ' +
          '`hpchub_version` is the hub’s own.',
        tags: ['hub'],
        response: { 200: Type.Object({ version: Type.String(), hpchub_version: Type.String() }) },
      },
    },
    async () => ({ version: JUPYTERHUB_API_VERSION, hpchub_version: hub.version }),
  );

  app.get(
    '/info',
    {
      config: { access: { kind: 'authenticated' } },
      schema: {
        summary: 'How this hub is set up',
        tags: ['hub'],
        response: {
          200: Type.Object({
            version: Type.String(),
            node: Type.String(),
            authenticator: Type.Object({ id: Type.String() }),
            spawner: Type.Object({ id: Type.String() }),
            database: Type.Object({ engine: Type.String() }),
          }),
        },
      },
    },
    async () => ({
      version: hub.version,
      node: process.version,
      authenticator: { id: hub.authenticator.id },
      spawner: { id: hub.config.spawner.kind },
      database: { engine: hub.engine },
    }),
  );

  app.get(
    '/health',
    {
      config: { access: { kind: 'public' } },
      schema: {
        summary: 'Whether the hub and its database answer',
        tags: ['hub'],
        response: { 200: Type.Object({ status: Type.Literal('ok'), database: Type.Literal('ok') }) },
      },
    },
    async () => checkHealth(hub),
  );

  app.get(
    '/user',
    {
      config: { access: { kind: 'authenticated' } },
      schema: {
        summary: 'The user making the request, with the scopes of this request',
        tags: ['users'],
        response: {
          200: Type.Object({
            ...UserSchema.properties,
            scopes: Type.Array(Type.String()),
            token_id: Type.Union([Type.String(), Type.Null()]),
          }),
        },
      },
    },
    async (request) => {
      const p = request.principal;
      if (!p) throw new HubError('unauthorized');
      // Their account came with the credentials (a service's is read); their groups and servers
      // at once: on PostgreSQL each is a round trip.
      const [row, groups, servers] = await Promise.all([
        request.principalUser ?? findUserById(hub.db, p.userId),
        groupsOfUsers(hub.db, [p.userId]),
        serversOfUsers(hub.db, [p.userId]),
      ]);
      if (!row) throw new HubError('unauthorized');
      return {
        ...userModel(row, groups.get(row.id) ?? [], servers, facts),
        scopes: [...p.scopes].sort(),
        token_id: p.tokenId === undefined ? null : String(p.tokenId),
      };
    },
  );
};
