// The API agents call from inside jobs: ready, progress, heartbeat, stopping. Each message is a
// closed schema and is accepted only with that server's secret; anything else is refused
// (400 for a malformed message, 403 for a missing or wrong secret) and logged.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AGENT_SECRET_HEADER,
  AgentHeartbeatSchema,
  AgentProgressSchema,
  AgentReadySchema,
  AgentStoppingSchema,
} from '@hpchub/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { errorResponses } from '../api/responses.js';
import type { ServerRow } from '../db/schema.js';
import { HubError } from '../errors/index.js';
import type { Spawning } from '../spawn/index.js';
import { secretMatches } from '../spawn/orchestrator.js';
import { findUserById } from '../users/store.js';

const Params = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,12}$' }) });
const agent = { access: { kind: 'public' as const } };
const responses = { 204: Type.Null(), ...errorResponses(400, 403, 409) };

export const agentRoutes: FastifyPluginAsyncTypebox<{ spawning: Spawning }> = async (app, { spawning }) => {
  const { orchestrator } = spawning;

  /** The server a message is about, if the presented secret is its secret. */
  async function authenticate(
    request: FastifyRequest,
  ): Promise<{ server: ServerRow; owner: string; secret: string }> {
    const presented = request.headers[AGENT_SECRET_HEADER];
    const secret = typeof presented === 'string' ? presented : undefined;
    const id = (request.params as { id: string }).id;
    const server = await orchestrator.reload(Number(id));
    if (!server || !secretMatches(secret, server) || secret === undefined) {
      request.log.warn(
        { server_id: id, url: request.routeOptions.url },
        'agent message refused: wrong or missing secret',
      );
      throw new HubError('forbidden', 'This message does not carry the secret of that server.');
    }
    const owner = await findUserById(orchestrator.deps.db, server.user_id);
    if (!owner) throw new HubError('not_found');
    return { server, owner: owner.name, secret };
  }

  // A malformed message from something that claims to be an agent is worth a line in the log.
  app.addHook('onError', async (request, _reply, error) => {
    if ((error as { validation?: unknown }).validation) {
      request.log.warn({ url: request.url }, 'agent message refused: it does not match the schema');
    }
  });

  app.post(
    '/servers/:id/ready',
    {
      config: agent,
      schema: {
        summary: 'Agent: the app answers and the agent listens',
        tags: ['agent'],
        params: Params,
        body: AgentReadySchema,
        response: responses,
      },
    },
    async (request, reply) => {
      const { server, owner, secret } = await authenticate(request);
      await orchestrator.onReady(server, owner, secret, request.body);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/servers/:id/progress',
    {
      config: agent,
      schema: {
        summary: 'Agent: a step of the start',
        tags: ['agent'],
        params: Params,
        body: AgentProgressSchema,
        response: responses,
      },
    },
    async (request, reply) => {
      const { server } = await authenticate(request);
      orchestrator.onProgress(server, request.body);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/servers/:id/heartbeat',
    {
      config: agent,
      schema: {
        summary: 'Agent: still alive, with last activity',
        tags: ['agent'],
        params: Params,
        body: AgentHeartbeatSchema,
        response: responses,
      },
    },
    async (request, reply) => {
      const { server } = await authenticate(request);
      await orchestrator.onHeartbeat(server, request.body.last_activity);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/servers/:id/stopping',
    {
      config: agent,
      schema: {
        summary: 'Agent: ending, and why',
        tags: ['agent'],
        params: Params,
        body: AgentStoppingSchema,
        response: responses,
      },
    },
    async (request, reply) => {
      const { server, owner } = await authenticate(request);
      await orchestrator.onStopping(server, owner, request.body);
      return reply.code(204).send(null);
    },
  );
};
