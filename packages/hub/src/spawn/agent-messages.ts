// What a message of the agent inside a job does to its server: `ready` routes it and marks it
// running, `progress` goes to the progress stream, a heartbeat records the server's use, and
// `stopping` ends a start that failed or marks a running server stopping. Each is accepted only
// with the server's secret. The spawning service hands every message of the agent API here, with
// what a message may touch behind AgentMessageContext (as launches go to launch.ts and poll
// results to poll-report.ts).
import type { AgentReady, AgentStopping } from '@hpchub/protocol';
import { serverPrefix } from '../apps/launch.js';
import type { ServerRow } from '../db/schema.js';
import { HubError, notFound } from '../errors/index.js';
import { recordReady } from '../usage/index.js';
import { findUserById } from '../users/store.js';
import { nowIso } from '../util/time.js';
import { heartbeatActivity } from './activity.js';
import { secretMatches } from './agent-secret.js';
import type { AgentMessage, SpawningDeps } from './contracts.js';
import { cullPolicy } from './culler.js';
import type { ProgressBus } from './progress.js';
import { sealRoute } from './route-record.js';
import { findServerById, markReady, markStopping, parseState, recordEnd } from './servers-store.js';

type Server = ServerRow & { owner: string };

/** What an agent's message may use and do of the spawning service. */
export interface AgentMessageContext
  extends Pick<
    SpawningDeps,
    'db' | 'config' | 'catalog' | 'spawner' | 'log' | 'routes' | 'box' | 'now' | 'observer'
  > {
  bus: ProgressBus;
  /** Whether the service is stopping this server itself (a stop, or a start it is failing). */
  isStopping(serverId: number): boolean;
  /** The start in progress of a server, if it is one. */
  startOf(serverId: number): { agentFailure?: string } | undefined;
  /** A start is over (ready, failed): its slot goes to the next in line. */
  endStart(serverId: number): void;
  /** The server was used at `at`: its row and its owner's. */
  recordActivity(serverId: number, ownerId: number, at: Date): Promise<void>;
}

/**
 * Acts on `message` from the agent of server `serverId` if `presentedSecret` is that server's
 * (anything else is a 403 and a line in the log).
 */
export async function handleAgentMessage(
  ctx: AgentMessageContext,
  serverId: number,
  presentedSecret: string | undefined,
  message: AgentMessage,
): Promise<void> {
  const { db, log } = ctx;
  if (!presentedSecret) {
    log.warn({ server_id: serverId, message: message.kind }, 'agent message refused: no secret');
    throw new HubError('forbidden', 'This message does not carry the secret of a server.');
  }
  const server = await findServerById(db, serverId);
  // No such server, or one of that id with another secret (a database restored or reset since):
  // either way the agent serves nobody the hub knows, and it stops when told so.
  if (!server || !secretMatches(presentedSecret, server.secret_hash)) {
    log.warn({ server_id: serverId, message: message.kind }, 'agent message refused: unknown server');
    throw new HubError('unknown_server');
  }
  // The owner's name only for the messages that need it (not the heartbeats, the most frequent).
  const withOwner = async () => {
    const owner = (await findUserById(db, server.user_id))?.name;
    if (owner === undefined) throw notFound();
    return { ...server, owner };
  };
  switch (message.kind) {
    case 'ready':
      return onReady(ctx, await withOwner(), presentedSecret, message.body);
    case 'progress':
      return ctx.bus.agent(server.id, message.body.message);
    case 'heartbeat': {
      // A stopped server's agent still beating was missed by the stop (a lost job, a hub that
      // was down): nobody is routed to it any more.
      if (server.status === 'stopped')
        throw new HubError('unknown_server', 'This server has stopped: its agent should stop too.');
      const policy = cullPolicy(ctx.config.culler, ctx.catalog.get(server.app));
      const at = heartbeatActivity(message.body, policy.busyKernelsActive, ctx.now());
      if (at) await ctx.recordActivity(server.id, server.user_id, at);
      return;
    }
    case 'stopping':
      return onStopping(ctx, await withOwner(), message.body);
  }
}

async function onReady(
  ctx: AgentMessageContext,
  server: Server,
  secret: string,
  ready: AgentReady,
): Promise<void> {
  const { db, log, routes, box } = ctx;
  if (server.status === 'stopped' || server.status === 'stopping') {
    throw new HubError('conflict', 'This server is not starting.');
  }
  if (server.line_ticket !== null) {
    // The launch that gave this agent its secret is not saved yet: it is finishing (the agent
    // asks again in a moment), or the hub died during it and launches the start afresh with a
    // new secret, after which this agent is refused and exits, which ends its job. Taking it
    // now would route to a job the hub has no record of.
    throw new HubError('unavailable', 'This server’s launch is not recorded yet; ask again shortly.');
  }
  const host = ready.host.includes(':') ? `[${ready.host}]` : ready.host;
  const target = { url: `https://${host}:${ready.port}`, fingerprint: ready.fingerprint, secret };
  routes.add({ id: server.id, ownerId: server.user_id, owner: server.owner, name: server.name }, target);
  try {
    await markReady(db, server.id, sealRoute(target, server.id, box));
    const took = await recordReady(db, server.id, nowIso(), ready.host);
    if (took) {
      ctx.observer.spawnEnded('success', took.timeToReady);
      ctx.observer.agentReady(took.startup);
    }
  } catch (err) {
    routes.remove(server.id);
    throw err;
  }
  ctx.endStart(server.id);
  const url = serverPrefix(server.owner, server.name);
  ctx.bus.step(server.id, 'done', `Server ready at ${url}`, { ready: true, url });
  log.info({ user: server.owner, server: server.name, host: ready.host, port: ready.port }, 'server ready');
}

/** The agent is ending: a start that failed, or a running server going away. */
async function onStopping(ctx: AgentMessageContext, server: Server, stopping: AgentStopping): Promise<void> {
  // The hub is failing this start itself (its start timeout): stopping the job signals the agent,
  // whose "received SIGTERM" is the effect, not the reason; the service records the reason.
  if (ctx.isStopping(server.id)) return;
  if (server.status === 'pending') {
    const message = stopping.message || `The app stopped (${stopping.reason}).`;
    const start = ctx.startOf(server.id);
    if (start) start.agentFailure = message;
    // The agent exits only once it has this answer (or has waited its grace period), and the job
    // ends only when the agent has exited: the failure is recorded and answered first, and the
    // job stopped after, or every failed start would wait out that grace period.
    await recordFailure(ctx, server, message);
    ctx.endStart(server.id);
    void ctx.spawner.stop(parseState(server)).catch((err: unknown) => {
      ctx.log.warn({ server_id: server.id, err: (err as Error).message }, 'stopping a failed job failed');
    });
    return;
  }
  if (server.status === 'running') {
    ctx.routes.remove(server.id);
    await markStopping(ctx.db, server.id);
    ctx.log.info({ user: server.owner, server: server.name, reason: stopping.reason }, 'server is stopping');
  }
}

/**
 * Records that a start failed and tells the user why (once, whoever records it first): the agent
 * saying so, or the service failing the start itself (its start timeout, a job that ended).
 */
export async function recordFailure(
  ctx: Pick<AgentMessageContext, 'db' | 'observer' | 'bus' | 'log'>,
  server: Server,
  message: string,
): Promise<void> {
  if (await recordEnd(ctx.db, server, 'start_failure', message)) {
    const requested = Date.parse(server.started ?? server.created);
    ctx.observer.spawnEnded('failure', Math.max(0, (Date.now() - requested) / 1000));
    ctx.bus.step(server.id, 'done', `Spawn failed: ${message}`, { failed: true });
    ctx.log.warn({ user: server.owner, server: server.name, message }, 'server start failed');
  }
}
