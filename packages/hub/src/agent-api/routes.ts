// The API agents call from inside jobs: ready, progress, heartbeat, stopping. Each message is a
// closed schema and is accepted only with that server's secret; anything else is refused
// (400 for a malformed message, 403 without a secret, 404 `unknown_server` for a server the hub
// does not know with that secret, or a heartbeat of one that has stopped) and logged.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  AGENT_SECRET_HEADER,
  AgentHeartbeatSchema,
  AgentProgressSchema,
  AgentReadySchema,
  AgentStoppingSchema,
} from '@hpchub/protocol';
import { Type } from '@sinclair/typebox';
import { errorResponses } from '../http/responses.js';
import type { AgentMessage, SpawningService } from '../spawn/index.js';

const Params = Type.Object({ id: Type.String({ pattern: '^[0-9]{1,12}$' }) });
const agent = { access: { kind: 'public' as const } };
const responses = { 204: Type.Null(), ...errorResponses(400, 403, 404, 409) };

export const agentRoutes: FastifyPluginAsyncTypebox<{ spawning: SpawningService }> = async (
  app,
  { spawning },
) => {
  /** Hands a message to the spawning service, which checks the server's secret itself. */
  function deliver(
    request: { params: { id: string }; headers: Record<string, unknown> },
    message: AgentMessage,
  ) {
    const presented = request.headers[AGENT_SECRET_HEADER];
    return spawning.agentMessage(
      Number(request.params.id),
      typeof presented === 'string' ? presented : undefined,
      message,
    );
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
      await deliver(request, { kind: 'ready', body: request.body });
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
      await deliver(request, { kind: 'progress', body: request.body });
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
      await deliver(request, { kind: 'heartbeat', body: request.body });
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
      await deliver(request, { kind: 'stopping', body: request.body });
      return reply.code(204).send(null);
    },
  );
};
