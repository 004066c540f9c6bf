// Starts, watches and stops servers through the Spawner contract. The database is the source of
// truth: a server's row and spawner state are written before anything waits, so a restarted hub
// re-adopts every job (see monitor.ts). The agent inside the job reports readiness; the
// orchestrator turns that into a route in the proxy.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { AgentProgress, AgentReady, AgentStopping } from '@hpchub/protocol';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AppCatalog } from '../apps/catalog.js';
import type { AppField } from '../apps/definition.js';
import { validateOptions } from '../apps/fields.js';
import { buildLaunchSpec, serverPrefix } from '../apps/launch.js';
import type { HubConfig } from '../config/index.js';
import type { Database, ServerRow, UserRow } from '../db/schema.js';
import { HubError } from '../errors/index.js';
import { rememberChoices } from './choices.js';
import { serverNameProblem } from './names.js';
import type { ProgressBus } from './progress.js';
import {
  beginStart,
  countActive,
  findServer,
  findServerById,
  markReady,
  markStopping,
  recordActivity,
  recordEnd,
  type ServerEndReason,
  saveSpawnerState,
} from './servers-store.js';
import type { SpawnAccount, Spawner, SpawnerState } from './spawner.js';

/** What the orchestrator needs of the proxy's route table. */
export interface RouteSink {
  addRoute(
    user: string,
    server: string,
    target: { url: string; fingerprint?: string; secret?: string },
  ): Promise<unknown>;
  removeRoute(user: string, server: string): Promise<void>;
  declareServer(user: string, server: string): void;
}

export interface AgentLocation {
  /** Base URL of the hub's agent API as jobs reach it. */
  hubUrl(): string;
  nodePath: string;
  agentPath: string;
  /** Directories put in front of PATH in jobs (spawner.path_prepend, and the hub's own venv). */
  pathPrepend: string[];
}

export interface OrchestratorDeps {
  db: Kysely<Database>;
  config: HubConfig;
  catalog: AppCatalog;
  spawner: Spawner;
  log: Logger;
  routes: RouteSink;
  progress: ProgressBus;
  agent: AgentLocation;
  /** The account a user's servers run as (looks up the system account for PAM users). */
  accountOf(user: UserRow): Promise<SpawnAccount>;
  /** Resource fields the spawner adds to the form for this user and app (Slurm: partition, cores, memory…). */
  spawnerFields?(user: UserRow, appId: string): Promise<AppField[]>;
}

/** What the orchestrator remembers about a start in progress, beyond the database. */
export interface PendingStart {
  /** When the job was first seen running (the start timeout counts from here). */
  runningSince?: number;
  timeoutSeconds: number;
  /** The agent's last words, when it gave up on starting the app. */
  agentFailure?: string;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time check of a presented agent secret against a server's stored hash. */
export function secretMatches(
  presented: string | undefined,
  server: Pick<ServerRow, 'secret_hash'>,
): boolean {
  if (!presented || !server.secret_hash || presented.length > 200) return false;
  const a = Buffer.from(hashSecret(presented), 'hex');
  const b = Buffer.from(server.secret_hash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export function parseState(row: Pick<ServerRow, 'spawner_state'>): SpawnerState {
  try {
    const parsed: unknown = JSON.parse(row.spawner_state);
    return parsed && typeof parsed === 'object' ? (parsed as SpawnerState) : {};
  } catch {
    return {};
  }
}

export class Orchestrator {
  /** Starts in progress, by server id. */
  readonly pending = new Map<number, PendingStart>();
  /** Servers being stopped by stop(), whose end it records itself (the monitor leaves them alone). */
  readonly stopping = new Set<number>();
  /**
   * Servers whose job is being launched: their row names no job until the state is saved, so
   * the monitor leaves them alone (a poll of the empty state would say "stopped").
   */
  readonly launching = new Set<number>();

  constructor(readonly deps: OrchestratorDeps) {}

  /**
   * Starts a server and returns once the job is launched (not ready): the progress stream and
   * the agent's `ready` take it from there. A second start of a server that is starting is the
   * same start (idempotent); of a running one, an error.
   */
  async start(user: UserRow, serverName: string, submitted: Record<string, unknown>): Promise<ServerRow> {
    const { db, config, catalog, spawner, log, progress } = this.deps;
    const nameProblem = serverNameProblem(serverName);
    if (nameProblem)
      throw new HubError('validation_failed', undefined, {
        validations: [{ field: 'server_name', message: nameProblem }],
      });

    const existing = await findServer(db, user.id, serverName);
    if (existing?.status === 'pending') return existing;
    if (existing && existing.status !== 'stopped') {
      throw new HubError('bad_request', `${label(user.name, serverName)} is already ${existing.status}.`);
    }
    if ((await countActive(db, user.id)) >= config.spawner.servers_per_user) {
      throw new HubError(
        'conflict',
        `You already have ${config.spawner.servers_per_user} servers, the most allowed at once. Stop one first.`,
      );
    }
    if (this.pending.size >= config.spawner.concurrent_spawns) {
      throw new HubError('rate_limited', 'Many servers are starting right now; try again in a minute.', {
        headers: { 'retry-after': '30' },
      });
    }

    const { app: appId, ...rest } = submitted;
    const app = catalog.get(typeof appId === 'string' ? appId : (catalog.apps[0]?.id ?? ''));
    if (!app) {
      throw new HubError('validation_failed', undefined, {
        validations: [
          { field: 'app', message: `Choose one of: ${catalog.apps.map((a) => a.id).join(', ')}.` },
        ],
      });
    }
    const fields = catalog.fields(app, (await this.deps.spawnerFields?.(user, app.id)) ?? []);
    const options = validateOptions(fields, rest);
    const account = await this.deps.accountOf(user);

    const secret = randomBytes(32).toString('base64url');
    const row = await beginStart(db, {
      userId: user.id,
      name: serverName,
      app: app.id,
      options: { app: app.id, ...options },
      secretHash: hashSecret(secret),
    });
    if (serverName !== '') this.deps.routes.declareServer(user.name, serverName);
    progress.reset(row.id);
    progress.emit(row.id, { progress: 5, message: `Server requested: ${app.title}` });

    const timeoutSeconds = app.start_timeout_seconds ?? config.spawner.start_timeout_seconds;
    const spec = buildLaunchSpec({
      app,
      user: user.name,
      serverName,
      options,
      startTimeoutSeconds: timeoutSeconds,
    });
    const resources = Object.fromEntries(
      Object.entries(options).filter(([k]) => !['custom_script'].includes(k)),
    );
    let state: SpawnerState;
    this.launching.add(row.id);
    try {
      state = await spawner.start({
        serverId: row.id,
        account,
        serverName,
        appId: app.id,
        resources,
        job: {
          hubUrl: this.deps.agent.hubUrl(),
          serverId: row.id,
          secret,
          spec,
          customScript: String(options.custom_script ?? app.custom_script),
          modules: app.modules,
          pathPrepend: this.deps.agent.pathPrepend,
          nodePath: this.deps.agent.nodePath,
          agentPath: this.deps.agent.agentPath,
        },
      });
    } catch (err) {
      this.launching.delete(row.id);
      const message = err instanceof HubError ? err.message : 'The server could not be launched.';
      log.error({ err, user: user.name, server: serverName }, 'spawner start failed');
      await recordEnd(db, row, user.name, 'start_failure', message);
      progress.emit(row.id, { progress: 100, failed: true, message: `Spawn failed: ${message}` });
      throw err instanceof HubError ? err : new HubError('unavailable', message);
    }
    // Durable before anything waits: a hub restart from here on re-adopts the job.
    await saveSpawnerState(db, row.id, state).finally(() => this.launching.delete(row.id));
    await rememberChoices(db, user.id, app.id, options);
    this.pending.set(row.id, { timeoutSeconds });
    progress.emit(row.id, { progress: 20, message: `Job submitted with ${spawner.id}` });
    log.info(
      { user: user.name, server: serverName, app: app.id, server_id: row.id },
      'server start requested',
    );
    return { ...row, spawner_state: JSON.stringify(state) };
  }

  /** The agent says the app answers: route the server and tell the browser. */
  async onReady(server: ServerRow, owner: string, secret: string, ready: AgentReady): Promise<void> {
    const { db, log, progress, routes } = this.deps;
    if (server.status === 'stopped' || server.status === 'stopping') {
      throw new HubError('conflict', 'This server is not starting.');
    }
    const host = ready.host.includes(':') ? `[${ready.host}]` : ready.host;
    await routes.addRoute(owner, server.name, {
      url: `https://${host}:${ready.port}`,
      fingerprint: ready.fingerprint,
      secret,
    });
    await markReady(db, server.id);
    this.pending.delete(server.id);
    const url = serverPrefix(owner, server.name);
    progress.emit(server.id, { progress: 100, ready: true, message: `Server ready at ${url}`, url });
    log.info({ user: owner, server: server.name, host: ready.host, port: ready.port }, 'server ready');
  }

  onProgress(server: ServerRow, message: AgentProgress): void {
    const step = Math.min(90, 60 + this.deps.progress.snapshot(server.id).events.length * 3);
    this.deps.progress.emit(server.id, { progress: step, message: message.message });
  }

  async onHeartbeat(server: ServerRow, lastActivity: string | null): Promise<void> {
    if (lastActivity) await recordActivity(this.deps.db, server.id, lastActivity);
  }

  /** The agent is ending: a start that failed, or a running server going away. */
  async onStopping(server: ServerRow, owner: string, stopping: AgentStopping): Promise<void> {
    const pending = this.pending.get(server.id);
    if (server.status === 'pending') {
      const message = stopping.message || `The app stopped (${stopping.reason}).`;
      if (pending) pending.agentFailure = message;
      await this.fail(server, owner, message);
      return;
    }
    if (server.status === 'running') {
      await this.deps.routes.removeRoute(owner, server.name);
      await markStopping(this.deps.db, server.id);
      this.deps.log.info({ user: owner, server: server.name, reason: stopping.reason }, 'server is stopping');
    }
  }

  /** Stops a server (user or admin request, idle culling) and records why. Idempotent. */
  async stop(user: UserRow, serverName: string, reason: ServerEndReason): Promise<void> {
    const { db, spawner, log, progress } = this.deps;
    const server = await findServer(db, user.id, serverName);
    if (!server || server.status === 'stopped') return;
    this.stopping.add(server.id);
    try {
      await this.deps.routes.removeRoute(user.name, serverName);
      await markStopping(db, server.id);
      this.pending.delete(server.id);
      await spawner.stop(parseState(server));
      if (await recordEnd(db, server, user.name, reason, null)) {
        if (server.status === 'pending')
          progress.emit(server.id, { progress: 100, failed: true, message: 'The start was cancelled.' });
        log.info({ user: user.name, server: serverName, reason }, 'server stopped');
      }
    } finally {
      this.stopping.delete(server.id);
    }
  }

  /** Ends a start that cannot succeed: the job is stopped and the user told why. */
  async fail(server: ServerRow, owner: string, message: string): Promise<void> {
    this.pending.delete(server.id);
    await this.deps.spawner.stop(parseState(server));
    if (await recordEnd(this.deps.db, server, owner, 'start_failure', message)) {
      this.deps.progress.emit(server.id, {
        progress: 100,
        failed: true,
        message: `Spawn failed: ${message}`,
      });
      this.deps.log.warn({ user: owner, server: server.name, message }, 'server start failed');
    }
  }

  async reload(id: number): Promise<ServerRow | undefined> {
    return findServerById(this.deps.db, id);
  }
}

function label(user: string, server: string): string {
  return server === '' ? `${user}'s server` : `${user}'s server ${server}`;
}
