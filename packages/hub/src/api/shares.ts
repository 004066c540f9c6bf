// Sharing servers, in JupyterHub 5's REST shape: /shares/{owner}/{server} (list, grant, withdraw
// one with PATCH, withdraw all with DELETE), /share-codes/{owner}/{server} (list, create, revoke),
// and what a user or group was given: /users/{name}/shared, /groups/{name}/shared. The default
// server is `/shares/{owner}/` (an empty name), as in JupyterHub. The rules are shares/rules.ts.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Paginated, ShareCodeSchema, ShareSchema } from '@hpchub/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { HubContext } from '../context.js';
import { notFound } from '../errors/index.js';
import { subjectOf, userAccess } from '../http/access.js';
import { originOf } from '../http/origin.js';
import { callerOf } from '../http/principal.js';
import { errorResponses } from '../http/responses.js';
import { GranteeBody, NewShareCodeBody, type Sharing } from '../shares/rules.js';
import { findSharedServer, listShareCodes, listShares, type ShareListing } from '../shares/store.js';
import { findGroup, findUser } from '../users/store.js';
import { shareCodeModel, shareModel } from './models.js';
import { PageQuery, pageOf, paginated } from './pagination.js';

const Owner = Type.String({ description: 'The owner’s username.' });
const ServerName = Type.String({
  maxLength: 100,
  description: 'The server’s name; empty for the default server.',
});
const OwnerParams = Type.Object({ name: Owner });
const ServerParams = Type.Object({ name: Owner, server_name: ServerName });
const SharedParams = Type.Object({ name: Type.String(), owner: Owner, server_name: ServerName });
const SharedDefaultParams = Type.Object({ name: Type.String(), owner: Owner });
const GroupParams = Type.Object({ group: Type.String() });
const GroupSharedParams = Type.Object({ group: Type.String(), owner: Owner, server_name: ServerName });
const ListQuery = Type.Object(PageQuery, { additionalProperties: false });
const CodeQuery = Type.Object(
  {
    code: Type.Optional(Type.String({ maxLength: 200, description: 'Revoke the code itself.' })),
    id: Type.Optional(Type.String({ maxLength: 40, description: 'Revoke the code with this id (`sc_N`).' })),
  },
  { additionalProperties: false },
);

const ShareList = Type.Union([Type.Array(Type.Ref(ShareSchema)), Paginated(ShareSchema, 'SharePage')]);
const CodeList = Type.Union([
  Type.Array(Type.Ref(ShareCodeSchema)),
  Paginated(ShareCodeSchema, 'ShareCodePage'),
]);
const errors = errorResponses(400, 401, 404);
const owner = { access: userAccess('servers') };

/** `/shares/alice/` (trailing slash) names alice's default server; `/shares/alice` all of hers. */
const namesDefault = (request: FastifyRequest) => (request.url.split('?')[0] ?? '').endsWith('/');

export const shareRoutes: FastifyPluginAsyncTypebox<{ hub: HubContext; sharing: Sharing }> = async (
  app,
  { hub, sharing },
) => {
  const { db } = hub;

  function page<T>(request: FastifyRequest & { query: { offset?: number; limit?: number } }, items: T[]) {
    const p = pageOf(request.query, hub.config.api);
    return paginated(request, items.slice(p.offset, p.offset + p.limit), p, () => items.length);
  }
  const shares = (
    request: FastifyRequest & { query: { offset?: number; limit?: number } },
    list: ShareListing[],
  ) => page(request, list.map(shareModel));

  /** The server a route names: `server_name`, or the default server when it is absent. */
  const serverOf = (request: FastifyRequest) =>
    sharing.server(subjectOf(request), (request.params as { server_name?: string }).server_name ?? '');

  for (const [url, params] of [
    ['/shares/:name', OwnerParams],
    ['/shares/:name/:server_name', ServerParams],
  ] as const) {
    const all = url === '/shares/:name';
    app.get(
      url,
      {
        config: owner,
        schema: {
          summary: all ? 'List the shares of all of an owner’s servers' : 'List the shares of a server',
          tags: ['shares'],
          params,
          querystring: ListQuery,
          response: { 200: ShareList, ...errors },
        },
      },
      async (request) => {
        if (all && !namesDefault(request))
          return shares(request, await listShares(db, { ownerId: subjectOf(request).id }));
        return shares(request, await sharing.shares(await serverOf(request)));
      },
    );
    app.post(
      url,
      {
        config: owner,
        schema: {
          summary: 'Share a server with a user or a group',
          description: 'Sharing twice is not an error. A user or group that does not exist is a 404.',
          tags: ['shares'],
          params,
          body: GranteeBody,
          response: { 200: Type.Ref(ShareSchema), ...errors },
        },
      },
      async (request) =>
        shareModel(await sharing.grant(callerOf(request), await serverOf(request), request.body)),
    );
    app.patch(
      url,
      {
        config: owner,
        schema: {
          summary: 'Withdraw the share of one user or group',
          description: 'Answers `{}`: the share is gone (or never was).',
          tags: ['shares'],
          params,
          body: GranteeBody,
          response: { 200: Type.Object({}, { additionalProperties: false }), ...errors },
        },
      },
      async (request) => {
        await sharing.revoke(callerOf(request), await serverOf(request), request.body);
        return {};
      },
    );
    app.delete(
      url,
      {
        config: owner,
        schema: {
          summary: 'Withdraw every share of a server',
          tags: ['shares'],
          params,
          response: { 204: Type.Null(), ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => {
        await sharing.revokeAll(callerOf(request), await serverOf(request));
        return reply.code(204).send(null);
      },
    );

    const codesUrl = url.replace('/shares/', '/share-codes/');
    app.get(
      codesUrl,
      {
        config: owner,
        schema: {
          summary: all
            ? 'List the live share codes of all of an owner’s servers'
            : 'List the live share codes of a server',
          tags: ['shares'],
          params,
          querystring: ListQuery,
          response: { 200: CodeList, ...errors },
        },
      },
      async (request) => {
        const filter =
          all && !namesDefault(request)
            ? { ownerId: subjectOf(request).id }
            : { serverId: (await serverOf(request)).id };
        return page(
          request,
          (await listShareCodes(db, filter)).map((c) => shareCodeModel(c)),
        );
      },
    );
    app.post(
      codesUrl,
      {
        config: owner,
        schema: {
          summary: 'Create a share code',
          description:
            'The answer carries the code and the link to redeem it; they are never shown again. A signed-in ' +
            'user who opens the link and accepts is given a share of the server.',
          tags: ['shares'],
          params,
          body: NewShareCodeBody,
          response: { 200: Type.Ref(ShareCodeSchema), ...errors },
        },
      },
      async (request) => {
        const made = await sharing.createCode(callerOf(request), await serverOf(request), request.body);
        return shareCodeModel(made.listing, { code: made.code, origin: originOf(request) });
      },
    );
    app.delete(
      codesUrl,
      {
        config: owner,
        schema: {
          summary: 'Revoke share codes: one by `code` or `id`, else all of the server’s',
          tags: ['shares'],
          params,
          querystring: CodeQuery,
          response: { 204: Type.Null(), ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => {
        await sharing.revokeCodes(callerOf(request), await serverOf(request), request.query);
        return reply.code(204).send(null);
      },
    );
  }

  app.get(
    '/users/:name/shared',
    {
      config: { access: userAccess('read') },
      schema: {
        summary: 'List the servers shared with a user (directly or through their groups)',
        tags: ['shares'],
        params: OwnerParams,
        querystring: ListQuery,
        response: { 200: ShareList, ...errors },
      },
    },
    async (request) => shares(request, await listShares(db, { reachingUserId: subjectOf(request).id })),
  );

  /** The share of the server `owner/server_name` made directly to the route's user. */
  async function directShare(request: FastifyRequest): Promise<ShareListing> {
    const { owner: ownerName, server_name = '' } = request.params as { owner: string; server_name?: string };
    const ownerRow = await findUser(db, ownerName);
    const server = ownerRow && (await findSharedServer(db, { ownerId: ownerRow.id, name: server_name }));
    const user = subjectOf(request).name;
    const share = server && (await listShares(db, { serverId: server.id })).find((s) => s.user === user);
    if (!share) throw notFound();
    return share;
  }

  for (const [url, params] of [
    ['/users/:name/shared/:owner', SharedDefaultParams],
    ['/users/:name/shared/:owner/:server_name', SharedParams],
  ] as const) {
    app.get(
      url,
      {
        config: { access: userAccess('read') },
        schema: {
          summary: 'Get the share of one server made to a user',
          tags: ['shares'],
          params,
          response: { 200: Type.Ref(ShareSchema), ...errors },
        },
      },
      async (request) => shareModel(await directShare(request)),
    );
    app.delete(
      url,
      {
        config: { access: userAccess('servers') },
        schema: {
          summary: 'Give up a share made to a user',
          tags: ['shares'],
          params,
          response: { 204: Type.Null(), ...errorResponses(400, 401, 404) },
        },
      },
      async (request, reply) => {
        const share = await directShare(request);
        await sharing.leave(callerOf(request), subjectOf(request), share.server);
        return reply.code(204).send(null);
      },
    );
  }

  const admin = { access: { kind: 'admin' as const } };
  async function groupShares(name: string): Promise<ShareListing[]> {
    const group = await findGroup(db, name);
    if (!group) throw notFound();
    return listShares(db, { groupId: group.id });
  }
  app.get(
    '/groups/:group/shared',
    {
      config: admin,
      schema: {
        summary: 'List the servers shared with a group',
        tags: ['shares'],
        params: GroupParams,
        querystring: ListQuery,
        response: { 200: ShareList, ...errors },
      },
    },
    async (request) => shares(request, await groupShares(request.params.group)),
  );
  app.get(
    '/groups/:group/shared/:owner/:server_name',
    {
      config: admin,
      schema: {
        summary: 'Get the share of one server made to a group',
        tags: ['shares'],
        params: GroupSharedParams,
        response: { 200: Type.Ref(ShareSchema), ...errors },
      },
    },
    async (request) => {
      const { owner: ownerName, server_name } = request.params;
      const share = (await groupShares(request.params.group)).find(
        (s) => s.server.owner === ownerName && s.server.name === server_name,
      );
      if (!share) throw notFound();
      return shareModel(share);
    },
  );
};
