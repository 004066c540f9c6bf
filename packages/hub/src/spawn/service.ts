// The spawning service: the one way servers are started, watched and stopped. Pages, the REST
// API and the agent API call its public methods; the monitor reports poll results to it; its
// state (starts in progress, launches, stops) is private.
//
// The database is the source of truth: a server's row and spawner state are written before
// anything waits, so a restarted hub re-adopts every job (open()). The agent inside the job
// reports readiness; the service turns that into a route.
import type { AgentHeartbeat, AgentProgress, AgentReady, AgentStopping } from '@hpchub/protocol';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AppCatalog } from '../apps/catalog.js';
import type { AppDefinition, AppField } from '../apps/definition.js';
import { validateOptions } from '../apps/fields.js';
import { buildLaunchSpec, serverPrefix } from '../apps/launch.js';
import type { HubConfig } from '../config/index.js';
import type { Database, ServerRow, UserRow } from '../db/schema.js';
import { HubError, notFound } from '../errors/index.js';
import type { ModuleCatalogue } from '../modules/catalogue.js';
import { moduleRules } from '../modules/names.js';
import { storedModules, validateWithModules } from '../modules/option.js';
import { touchUser } from '../users/store.js';
import { newAgentSecret, secretMatches } from './agent-secret.js';
import { rememberChoices, rememberedChoices } from './choices.js';
import { chooseApp, describeForm, type SpawnForm } from './form.js';
import { Monitor } from './monitor.js';
import { serverLabel, serverNameProblem } from './names.js';
import { type PollReport, reportPoll } from './poll-report.js';
import { ProgressBus, type ProgressReader } from './progress.js';
import { openRoute, type RouteTarget, sealRoute } from './route-record.js';
import type { SecretBox } from './secret-box.js';
import {
  activeServers,
  beginStart,
  countActive,
  deleteServerRow,
  findServer,
  findServerById,
  markReady,
  markStopping,
  recordActivity,
  recordEnd,
  type ServerEndReason,
  saveSpawnerState,
  serversForRoutes,
  serversOfUsers,
} from './servers-store.js';
import type { SpawnAccount, Spawner, SpawnerState } from './spawner.js';

/** A server as the proxy's route table knows it. */
export interface RoutedServer {
  id: number;
  ownerId: number;
  owner: string;
  name: string;
}

/** What the service needs of the proxy's route table (in memory; the database is written here). */
export interface RouteSink {
  /** Makes a server reachable; throws when the target is not acceptable. */
  add(server: RoutedServer, target: RouteTarget): void;
  remove(serverId: number): void;
  /** A named server exists (in any status), so its path is not taken for the default server's. */
  declare(owner: string, name: string): void;
  /** A named server was deleted. */
  forget(owner: string, name: string): void;
}

/** Where jobs find the agent and reach the hub. */
export interface AgentLocation {
  /** Base URL of the hub's agent API as jobs reach it. */
  hubUrl(): string;
  nodePath: string;
  agentPath: string;
  /** Directories put in front of PATH in jobs (spawner.path_prepend, and the hub's own venv). */
  pathPrepend: string[];
}

export interface SpawningDeps {
  db: Kysely<Database>;
  config: HubConfig;
  catalog: AppCatalog;
  spawner: Spawner;
  log: Logger;
  routes: RouteSink;
  /** Seals agent secrets into stored routes. */
  box: SecretBox;
  agent: AgentLocation;
  /** The account a user's servers run as (looks up the system account for PAM users). */
  accountOf(user: UserRow): Promise<SpawnAccount>;
  /** The nodes' module system and the modules it offers (listed in the background from open()). */
  modules: ModuleCatalogue;
}

/** A message of the agent inside a job, already checked against its schema. */
export type AgentMessage =
  | { kind: 'ready'; body: AgentReady }
  | { kind: 'progress'; body: AgentProgress }
  | { kind: 'heartbeat'; body: AgentHeartbeat }
  | { kind: 'stopping'; body: AgentStopping };

/** What the service remembers about a start in progress, beyond the database. */
interface StartInProgress {
  /** When the job was first seen running (the start timeout counts from here). */
  runningSince?: number;
  timeoutSeconds: number;
  /** The agent's last words, when it gave up on starting the app. */
  agentFailure?: string;
}

type ServerWithOwner = ServerRow & { owner: string };

export class SpawningService {
  readonly catalog: AppCatalog;
  /** The modules the nodes offer, as last listed (for the form's suggestions and tests). */
  readonly modules: ModuleCatalogue;
  readonly progress: ProgressReader;
  readonly #deps: SpawningDeps;
  readonly #bus = new ProgressBus();
  readonly #monitor: Monitor<ServerWithOwner & { state: SpawnerState }>;
  /** Starts in progress, by server id. */
  readonly #starts = new Map<number, StartInProgress>();
  /** Servers whose job is being launched: their row names no job yet, so polls leave them alone. */
  readonly #launching = new Set<number>();
  /** Servers being stopped by stop(), which records their end itself. */
  readonly #stopping = new Set<number>();
  #lastUnknownWarning = 0;

  constructor(deps: SpawningDeps) {
    this.#deps = deps;
    this.catalog = deps.catalog;
    this.modules = deps.modules;
    this.progress = this.#bus;
    this.#monitor = new Monitor({
      intervalSeconds: deps.config.spawner.poll_interval_seconds,
      list: async () =>
        (await activeServers(deps.db))
          .filter((s) => !this.#launching.has(s.id))
          .map((s) => ({ ...s, state: parseState(s) })),
      pollMany: (states) => deps.spawner.pollMany(states),
      report: (server, result) =>
        this.#stopping.has(server.id) || this.#launching.has(server.id)
          ? Promise.resolve()
          : reportPoll(this.#pollReport, server, result),
      log: deps.log,
    });
  }

  /** Routes the running servers again, re-adopts the starting ones, then polls every interval. */
  async open(): Promise<void> {
    const { db, log, config, catalog } = this.#deps;
    await this.#loadRoutes();
    const active = await activeServers(db);
    for (const server of active) {
      if (server.status !== 'pending') continue;
      const timeoutSeconds =
        catalog.get(server.app)?.start_timeout_seconds ?? config.spawner.start_timeout_seconds;
      this.#starts.set(server.id, { timeoutSeconds });
      this.#bus.step(server.id, 'readopted', 'The hub restarted; picking up this server where it was.');
    }
    if (active.length > 0) log.info({ servers: active.length }, 're-adopting active servers');
    await this.#monitor.start();
    // Listed in the background: a hub with a slow module tree still serves at once.
    void this.modules.start();
  }

  close(): Promise<void> {
    this.modules.close();
    return this.#monitor.close();
  }

  /** One poll of every active server now (tests, and whoever cannot wait for the interval). */
  pollNow(): Promise<void> {
    return this.#monitor.pollOnce();
  }

  /** The spawn form of `appId` (default: the first app) for `user`. */
  async describeForm(user: UserRow, appId?: string): Promise<SpawnForm> {
    const app = chooseApp(this.catalog, appId);
    const fields = await this.#fields(user, app);
    const remembered = await rememberedChoices(this.#deps.db, user.id, app.id);
    return describeForm(this.catalog, app, fields, remembered);
  }

  /**
   * Starts a server and returns once the job is launched (not ready): the progress stream and
   * the agent's `ready` take it from there. A second start of a server that is starting is the
   * same start (idempotent); of a running one, an error. `options` are the form's values with
   * `app` naming the app.
   */
  async start(user: UserRow, serverName: string, options: Record<string, unknown>): Promise<ServerRow> {
    const { db, config, spawner, log, routes, agent } = this.#deps;
    const nameProblem = serverNameProblem(serverName);
    if (nameProblem)
      throw new HubError('validation_failed', undefined, {
        validations: [{ field: 'server_name', message: nameProblem }],
      });
    const existing = await findServer(db, user.id, serverName);
    if (existing?.status === 'pending') return existing;
    if (existing && existing.status !== 'stopped') {
      throw new HubError(
        'bad_request',
        `${serverLabel({ owner: user.name, name: serverName })} is already ${existing.status}.`,
      );
    }
    if ((await countActive(db, user.id)) >= config.spawner.servers_per_user) {
      throw new HubError(
        'conflict',
        `You already have ${config.spawner.servers_per_user} servers, the most allowed at once. Stop one first.`,
      );
    }
    if (this.#starts.size + this.#launching.size >= config.spawner.concurrent_spawns) {
      throw new HubError('rate_limited', 'Many servers are starting right now; try again in a minute.', {
        headers: { 'retry-after': '30' },
      });
    }

    const { app: appId, ...submitted } = options;
    const app = chooseApp(this.catalog, appId);
    const fields = await this.#fields(user, app);
    // The user's modules: names the module system listed (or the site's pattern), never shell text.
    const rules = moduleRules(config, this.modules.current()?.known);
    const { values, modules } = validateWithModules(submitted, rules, (rest) =>
      validateOptions(fields, rest),
    );
    const account = await this.#deps.accountOf(user);
    const { secret, hash } = newAgentSecret();
    const row = await beginStart(db, {
      userId: user.id,
      name: serverName,
      app: app.id,
      options: { app: app.id, ...values, ...storedModules(modules) },
      secretHash: hash,
    });
    if (serverName !== '') routes.declare(user.name, serverName);
    this.#bus.reset(row.id);
    this.#bus.step(row.id, 'requested', `Server requested: ${app.title}`);

    const timeoutSeconds = app.start_timeout_seconds ?? config.spawner.start_timeout_seconds;
    const { custom_script: customScript, ...resources } = values;
    let state: SpawnerState;
    this.#launching.add(row.id);
    try {
      state = await spawner.start({
        serverId: row.id,
        account,
        serverName,
        appId: app.id,
        resources,
        job: {
          hubUrl: agent.hubUrl(),
          serverId: row.id,
          secret,
          spec: buildLaunchSpec({
            app,
            user: user.name,
            serverName,
            options: values,
            startTimeoutSeconds: timeoutSeconds,
          }),
          customScript: String(customScript ?? app.custom_script),
          modules: app.modules,
          userModules: modules,
          moduleSystem: this.modules.system,
          pathPrepend: agent.pathPrepend,
          nodePath: agent.nodePath,
          agentPath: agent.agentPath,
        },
      });
    } catch (err) {
      this.#launching.delete(row.id);
      const message = err instanceof HubError ? err.message : 'The server could not be launched.';
      log.error({ err, user: user.name, server: serverName }, 'spawner start failed');
      await recordEnd(db, row, user.name, 'start_failure', message);
      this.#bus.step(row.id, 'done', `Spawn failed: ${message}`, { failed: true });
      throw err instanceof HubError ? err : new HubError('unavailable', message);
    }
    // Durable before anything waits: a hub restart from here on re-adopts the job.
    await saveSpawnerState(db, row.id, state).finally(() => this.#launching.delete(row.id));
    await rememberChoices(db, user.id, app.id, { ...values, ...storedModules(modules) });
    this.#starts.set(row.id, { timeoutSeconds });
    this.#bus.step(row.id, 'submitted', `Job submitted with ${spawner.id}`);
    log.info(
      { user: user.name, server: serverName, app: app.id, server_id: row.id },
      'server start requested',
    );
    return { ...row, spawner_state: JSON.stringify(state) };
  }

  /** Stops a server (user or admin request, idle culling) and records why. Idempotent. */
  async stop(user: UserRow, serverName: string, reason: ServerEndReason): Promise<void> {
    const { db, spawner, log, routes } = this.#deps;
    const server = await findServer(db, user.id, serverName);
    if (!server) throw notFound();
    if (server.status === 'stopped') return;
    this.#stopping.add(server.id);
    try {
      routes.remove(server.id);
      await markStopping(db, server.id);
      this.#starts.delete(server.id);
      await spawner.stop(parseState(server));
      if (await recordEnd(db, server, user.name, reason, null)) {
        if (server.status === 'pending')
          this.#bus.step(server.id, 'done', 'The start was cancelled.', { failed: true });
        log.info({ user: user.name, server: serverName, reason }, 'server stopped');
      }
    } finally {
      this.#stopping.delete(server.id);
    }
  }

  /** Stops every server of the user that is starting, running or stopping (a user locked out). */
  async stopAll(user: UserRow, reason: ServerEndReason): Promise<void> {
    for (const server of await serversOfUsers(this.#deps.db, [user.id])) {
      if (server.status !== 'stopped') await this.stop(user, server.name, reason);
    }
  }

  /** Stops a named server and deletes it; the default server always exists and is only stopped. */
  async remove(user: UserRow, serverName: string, reason: ServerEndReason): Promise<void> {
    await this.stop(user, serverName, reason);
    if (serverName === '') return;
    const server = await findServer(this.#deps.db, user.id, serverName);
    if (!server) return;
    await deleteServerRow(this.#deps.db, server.id);
    this.#bus.forget(server.id);
    this.#deps.routes.forget(user.name, serverName);
  }

  /** A server was used at `at` (proxied traffic, the app's own activity): its row and its owner's. */
  async recordActivity(serverId: number, ownerId: number, at: Date): Promise<void> {
    const when = at.toISOString();
    await recordActivity(this.#deps.db, serverId, when);
    await touchUser(this.#deps.db, ownerId, when);
  }

  /**
   * A message from the agent of server `serverId`, accepted only with that server's secret
   * (anything else is a 403 and a line in the log).
   */
  async agentMessage(
    serverId: number,
    presentedSecret: string | undefined,
    message: AgentMessage,
  ): Promise<void> {
    const { db, log } = this.#deps;
    const server = await findServerById(db, serverId);
    if (!server || !secretMatches(presentedSecret, server.secret_hash)) {
      log.warn(
        { server_id: serverId, message: message.kind },
        'agent message refused: wrong or missing secret',
      );
      throw new HubError('forbidden', 'This message does not carry the secret of that server.');
    }
    const owner = await ownerName(db, server.user_id);
    switch (message.kind) {
      case 'ready':
        return this.#onReady({ ...server, owner }, presentedSecret, message.body);
      case 'progress':
        return this.#bus.agent(server.id, message.body.message);
      case 'heartbeat':
        if (message.body.last_activity)
          await this.recordActivity(server.id, server.user_id, new Date(message.body.last_activity));
        return;
      case 'stopping':
        return this.#onStopping({ ...server, owner }, message.body);
    }
  }

  async #onReady(server: ServerWithOwner, secret: string, ready: AgentReady): Promise<void> {
    const { db, log, routes, box } = this.#deps;
    if (server.status === 'stopped' || server.status === 'stopping') {
      throw new HubError('conflict', 'This server is not starting.');
    }
    const host = ready.host.includes(':') ? `[${ready.host}]` : ready.host;
    const target = { url: `https://${host}:${ready.port}`, fingerprint: ready.fingerprint, secret };
    routes.add({ id: server.id, ownerId: server.user_id, owner: server.owner, name: server.name }, target);
    try {
      await markReady(db, server.id, sealRoute(target, server.id, box));
    } catch (err) {
      routes.remove(server.id);
      throw err;
    }
    this.#starts.delete(server.id);
    const url = serverPrefix(server.owner, server.name);
    this.#bus.step(server.id, 'done', `Server ready at ${url}`, { ready: true, url });
    log.info({ user: server.owner, server: server.name, host: ready.host, port: ready.port }, 'server ready');
  }

  /** The agent is ending: a start that failed, or a running server going away. */
  async #onStopping(server: ServerWithOwner, stopping: AgentStopping): Promise<void> {
    if (server.status === 'pending') {
      const message = stopping.message || `The app stopped (${stopping.reason}).`;
      const start = this.#starts.get(server.id);
      if (start) start.agentFailure = message;
      await this.#fail(server, message);
      return;
    }
    if (server.status === 'running') {
      this.#deps.routes.remove(server.id);
      await markStopping(this.#deps.db, server.id);
      this.#deps.log.info(
        { user: server.owner, server: server.name, reason: stopping.reason },
        'server is stopping',
      );
    }
  }

  /** Ends a start that cannot succeed: the job is stopped and the user told why. */
  async #fail(server: ServerWithOwner, message: string): Promise<void> {
    this.#starts.delete(server.id);
    // While the job is being stopped, polls must not record its end first (as "cancelled"),
    // which would lose the reason given here (often the agent's own words).
    this.#stopping.add(server.id);
    try {
      await this.#deps.spawner.stop(parseState(server));
      if (await recordEnd(this.#deps.db, server, server.owner, 'start_failure', message)) {
        this.#bus.step(server.id, 'done', `Spawn failed: ${message}`, { failed: true });
        this.#deps.log.warn({ user: server.owner, server: server.name, message }, 'server start failed');
      }
    } finally {
      this.#stopping.delete(server.id);
    }
  }

  /** What a poll result may do to a server (see poll-report.ts). */
  readonly #pollReport: PollReport = {
    bus: this.#bus,
    log: () => this.#deps.log,
    unknown: (detail) => {
      if (Date.now() - this.#lastUnknownWarning < 60_000) return;
      this.#lastUnknownWarning = Date.now();
      this.#deps.log.warn({ detail }, 'cannot tell the state of jobs; keeping them as they are');
    },
    startOf: (id) => this.#starts.get(id),
    fail: (server, message) => this.#fail(server, message),
    stateNow: async (id) => (await findServerById(this.#deps.db, id))?.spawner_state,
    ended: async (server, reason, detail) => {
      this.#deps.routes.remove(server.id);
      return recordEnd(this.#deps.db, server, server.owner, reason, detail);
    },
  };

  async #fields(user: UserRow, app: AppDefinition): Promise<AppField[]> {
    return this.catalog.fields(app, (await this.#deps.spawner.formFields?.(user, app.id)) ?? []);
  }

  async #loadRoutes(): Promise<void> {
    const { db, routes, box, log } = this.#deps;
    let routed = 0;
    for (const row of await serversForRoutes(db)) {
      routes.declare(row.owner, row.name);
      if (row.status !== 'running' || row.route === null) continue;
      try {
        routes.add(
          { id: row.id, ownerId: row.user_id, owner: row.owner, name: row.name },
          openRoute(row.route, row.id, box),
        );
        routed++;
      } catch (err) {
        log.warn(
          { user: row.owner, server: row.name, err: (err as Error).message },
          'the route of a running server cannot be used; restart the server to reach it again',
        );
      }
    }
    log.info({ routes: routed }, 'proxy routes loaded');
  }
}

export function parseState(row: Pick<ServerRow, 'spawner_state'>): SpawnerState {
  try {
    const parsed: unknown = JSON.parse(row.spawner_state);
    return parsed && typeof parsed === 'object' ? (parsed as SpawnerState) : {};
  } catch {
    return {};
  }
}

async function ownerName(db: Kysely<Database>, userId: number): Promise<string> {
  const row = await db.selectFrom('users').select('name').where('id', '=', userId).executeTakeFirst();
  if (!row) throw notFound();
  return row.name;
}
