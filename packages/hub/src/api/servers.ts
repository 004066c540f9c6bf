// /hub/api/users/{name}/server and /servers/{server}: start, stop and watch a user's servers,
// as JupyterHub's API does. The start body is `{"user_options": {...}}` with `app` naming a
// catalog entry; the progress stream is JupyterHub's server-sent event format.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type ProgressEventModel, ProgressStreamEventSchema, ServerSchema } from '@hpchub/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { canManageServersOf, type Principal } from '../auth/scopes.js';
import type { HubContext } from '../context.js';
import { notFound } from '../errors/index.js';
import { subjectOf, userAccess } from '../http/access.js';
import { errorResponses } from '../http/responses.js';
import { findServer, type ServerEndReason, type SpawningService } from '../spawn/index.js';
import { serverFacts, serverModel } from './models.js';

const OptionValue = Type.Union([Type.String({ maxLength: 2000 }), Type.Number(), Type.Boolean()]);
const StartBody = Type.Object(
  {
    user_options: Type.Optional(
      Type.Object(
        {
          // Bounded loosely here, so that its own check (modules/names.ts) can say what is wrong.
          modules: Type.Optional(
            Type.Union([
              Type.String({ maxLength: 256 * 1024 }),
              Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 10_000 }),
            ]),
          ),
        },
        {
          additionalProperties: OptionValue,
          maxProperties: 40,
          description:
            '`app` (a catalog id), the fields of that app’s form, and `modules`: environment modules to ' +
            'load after the app’s, as a list of names or as text (names separated by spaces).',
        },
      ),
    ),
  },
  { additionalProperties: false },
);
const StopBody = Type.Object(
  { remove: Type.Optional(Type.Boolean({ description: 'Also delete the named server’s record.' })) },
  { additionalProperties: false },
);
const UserParams = Type.Object({ name: Type.String() });
const NamedParams = Type.Object({ name: Type.String(), server_name: Type.String({ maxLength: 100 }) });
const KEEPALIVE_MS = 15_000;

/**
 * Why a stop through the API happened: the owner's, an admin's, or — when the caller may stop
 * others' servers only through JupyterHub's delete:servers, the scope JupyterHub documents for
 * its idle culler — an idle cull.
 */
function stopReason(p: Principal | null | undefined, owner: string): ServerEndReason {
  if (!p || p.name === owner) return 'user_stop';
  return canManageServersOf(p, owner) ? 'admin_stop' : 'idle_cull';
}

export const serverRoutes: FastifyPluginAsyncTypebox<{ hub: HubContext; spawning: SpawningService }> = async (
  app,
  { hub, spawning },
) => {
  const { progress } = spawning;
  const facts = serverFacts(spawning);
  const servers = userAccess('servers');
  const stopServers = userAccess('stop-servers');

  async function start(
    request: FastifyRequest,
    reply: FastifyReply,
    serverName: string,
    options: Record<string, unknown>,
  ) {
    const user = subjectOf(request);
    const row = await spawning.start(user, serverName, options);
    return reply.code(row.status === 'running' ? 201 : 202).send(serverModel(row, user.name, facts));
  }

  async function stop(request: FastifyRequest, reply: FastifyReply, serverName: string, remove: boolean) {
    const user = subjectOf(request);
    const reason = stopReason(request.principal, user.name);
    if (remove) await spawning.remove(user, serverName, reason);
    else await spawning.stop(user, serverName, reason);
    return reply.code(204).send(null);
  }

  /** Streams the start's events (past ones first), until ready or failed. */
  async function stream(request: FastifyRequest, reply: FastifyReply, serverName: string) {
    const user = subjectOf(request);
    const row = await findServer(hub.db, user.id, serverName);
    if (!row) throw notFound();
    const { events, done } = progress.snapshot(row.id);
    if (events.length === 0) {
      if (row.status === 'running')
        events.push({
          progress: 100,
          ready: true,
          message: 'Server ready',
          html_message: 'Server ready',
          url: serverModel(row, user.name, facts).url,
        });
      else if (row.status === 'stopped') {
        const message = row.end_detail ?? `The server is not running (${row.end_reason ?? 'stopped'}).`;
        events.push({ progress: 100, failed: true, message, html_message: message });
      }
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    // The document promises ProgressEventSchema for each event: a ProgressEvent must fit it.
    const send = (event: ProgressEventModel) => res.write(`data: ${JSON.stringify(event)}\n\n`);
    for (const e of events) send(e);
    if (done || events.some((e) => e.ready || e.failed)) {
      res.end();
      return;
    }
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
    const unsubscribe = progress.subscribe(row.id, (event) => {
      send(event);
      if (event.ready || event.failed) finish();
    });
    function finish() {
      clearInterval(keepalive);
      unsubscribe();
      res.end();
    }
    request.raw.once('close', finish);
  }

  const model = {
    200: Type.Ref(ServerSchema),
    201: Type.Ref(ServerSchema),
    202: Type.Ref(ServerSchema),
    ...errorResponses(400, 401, 404, 409, 429, 503),
  };
  const sse = {
    summary: 'Progress of a start, as server-sent events (JupyterHub format)',
    tags: ['servers'],
    response: {
      200: {
        description: 'The progress events, until the server is ready or its start failed.',
        content: { 'text/event-stream': { schema: ProgressStreamEventSchema } },
      },
      ...errorResponses(400, 401, 404),
    },
  };

  app.post(
    '/users/:name/server',
    {
      config: { access: servers },
      schema: {
        summary: "Start the user's default server",
        tags: ['servers'],
        params: UserParams,
        body: StartBody,
        response: model,
      },
    },
    (request, reply) => start(request, reply, '', request.body.user_options ?? {}),
  );
  app.post(
    '/users/:name/servers/:server_name',
    {
      config: { access: servers },
      schema: {
        summary: 'Start a named server',
        tags: ['servers'],
        params: NamedParams,
        body: StartBody,
        response: model,
      },
    },
    (request, reply) => start(request, reply, request.params.server_name, request.body.user_options ?? {}),
  );
  app.delete(
    '/users/:name/server',
    {
      config: { access: stopServers },
      schema: {
        summary: "Stop the user's default server",
        tags: ['servers'],
        params: UserParams,
        response: { 204: Type.Null(), ...errorResponses(401, 404) },
      },
    },
    (request, reply) => stop(request, reply, '', false),
  );
  app.delete(
    '/users/:name/servers/:server_name',
    {
      config: { access: stopServers },
      schema: {
        summary: 'Stop a named server (and delete it with remove)',
        tags: ['servers'],
        params: NamedParams,
        body: StopBody,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 404) },
      },
    },
    (request, reply) => stop(request, reply, request.params.server_name, request.body.remove ?? false),
  );
  app.get(
    '/users/:name/server/progress',
    { config: { access: servers }, schema: { ...sse, params: UserParams } },
    (request, reply) => stream(request, reply, ''),
  );
  app.get(
    '/users/:name/servers/:server_name/progress',
    { config: { access: servers }, schema: { ...sse, params: NamedParams } },
    (request, reply) => stream(request, reply, request.params.server_name),
  );
};
