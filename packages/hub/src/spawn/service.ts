// The spawning service: the one way servers are started, watched and stopped. Pages, the REST
// API and the agent API call its public methods; the monitor reports poll results to it; its
// state (starts in progress, launches, stops) is private.
//
// The database is the source of truth: a server's row and spawner state are written before
// anything waits, so a restarted hub re-adopts every job (open()). The agent inside the job
// reports readiness; the service turns that into a route (agent-messages.ts). Starts past the
// hub's start slots wait in line (admission.ts), also in the database (servers.line_ticket).
import type { AppCatalog } from '../apps/catalog.js';
import type { OptionValues } from '../apps/fields.js';
import type { ServerRow, UserRow } from '../db/schema.js';
import { HubError, notFound } from '../errors/index.js';
import type { ModuleCatalogue } from '../modules/catalogue.js';
import { openRecord, recordRunning } from '../usage/index.js';
import { touchUser } from '../users/store.js';
import { nowIso, settledWithin } from '../util/time.js';
import { type LineReader, StartAdmission } from './admission.js';
import { type AgentMessageContext, handleAgentMessage, recordFailure } from './agent-messages.js';
import type { AgentMessage, SpawningDeps } from './contracts.js';
import { cullPolicy } from './culler.js';
import type { SpawnForm } from './form.js';
import { type LaunchContext, launchStart } from './launch.js';
import { Monitor } from './monitor.js';
import { serverLabel, serverNameProblem } from './names.js';
import { type PlannedEnd, plannedEnd } from './planned-end.js';
import { type PollReport, reportPoll } from './poll-report.js';
import { ProgressBus, type ProgressReader } from './progress.js';
import { loadRoutes } from './route-record.js';
import {
  activeServers,
  beginStart,
  countActive,
  deleteServerRow,
  findServer,
  findServerById,
  markStopping,
  parseState,
  recordActivity,
  recordEnd,
  type ServerEndReason,
  serversOfUsers,
  setLimitEnds,
  waitingServers,
} from './servers-store.js';
import type { SpawnerState } from './spawner.js';
import type { LineEntry } from './start-line.js';
import { checkedOptions, type FormChoice, userForm } from './user-form.js';

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
  /** Places in the line for a start slot. */
  readonly line: LineReader;
  readonly #deps: SpawningDeps;
  readonly #bus = new ProgressBus();
  readonly #admission: StartAdmission;
  readonly #monitor: Monitor<ServerWithOwner & { state: SpawnerState }>;
  /** Starts in progress, by server id. */
  readonly #starts = new Map<number, StartInProgress>();
  /** Servers whose job is being launched: their row names no job yet, so polls leave them alone. */
  readonly #launching = new Set<number>();
  /** Servers being stopped by stop(), which records their end itself. */
  readonly #stopping = new Set<number>();
  #lastUnknownWarning = 0;
  #firstPoll: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(deps: SpawningDeps) {
    this.#deps = deps;
    this.catalog = deps.catalog;
    this.modules = deps.modules;
    this.progress = this.#bus;
    this.#admission = new StartAdmission({
      limits: () => ({
        slots: deps.config.spawner.concurrent_spawns,
        line: deps.config.spawner.start_line_max,
      }),
      bus: this.#bus,
      log: deps.log,
      launch: (entry) => this.#launch(entry),
    });
    this.line = this.#admission;
    this.#monitor = new Monitor({
      intervalSeconds: deps.config.spawner.poll_interval_seconds,
      // Starts in line have no job yet; starts being launched are the launch's business.
      list: async () =>
        (await activeServers(deps.db))
          .filter((s) => !this.#launching.has(s.id) && s.line_ticket === null)
          .map((s) => ({ ...s, state: parseState(s) })),
      pollMany: (states) => deps.spawner.pollMany(states),
      report: (server, result) =>
        this.#stopping.has(server.id) || this.#launching.has(server.id)
          ? Promise.resolve()
          : reportPoll(this.#pollReport, server, result),
      log: deps.log,
    });
  }

  /**
   * Routes the running servers again, re-adopts the starting ones, lines up again the starts
   * that were waiting for a slot, then polls every interval, starting once the hub listens.
   */
  async open(): Promise<void> {
    const { db, log, config, catalog, spawner } = this.#deps;
    this.#admission.pause();
    await loadRoutes(this.#deps);
    const active = await activeServers(db);
    for (const server of active) {
      if (server.status !== 'pending' || server.line_ticket !== null) continue;
      const timeoutSeconds =
        catalog.get(server.app)?.start_timeout_seconds ?? config.spawner.start_timeout_seconds;
      this.#starts.set(server.id, { timeoutSeconds });
      // A job in a scheduler's queue takes its slot again when it is seen running.
      if (!spawner.queuesJobs) this.#admission.take(server.id);
      this.#bus.step(server.id, 'readopted', 'The hub restarted; picking up this server where it was.');
    }
    if (active.length > 0) log.info({ servers: active.length }, 're-adopting active servers');
    await this.#lineUpAgain();
    // The first poll (one scheduler query for every job, which takes seconds on a big cluster)
    // runs once the hub listens: the routes loaded above serve meanwhile. Starts waiting in line
    // are let go after it, when the re-adopted jobs seen running hold their slots again.
    this.#firstPoll = this.#monitor.start().then(() => {
      if (!this.#closed) this.#admission.resume();
    });
    // Listed in the background: a hub with a slow module tree still serves at once.
    void this.modules.start();
  }

  /** The starts that waited for a slot when the hub stopped, in their order; a blocked user's are dropped. */
  async #lineUpAgain(): Promise<void> {
    const { db, log } = this.#deps;
    const entries: LineEntry[] = [];
    for (const server of await waitingServers(db)) {
      if (server.owner_blocked) {
        await this.#dropBlocked(server);
        continue;
      }
      entries.push({ serverId: server.id, userId: server.user_id, ticket: server.line_ticket ?? 0 });
      this.#bus.step(server.id, 'requested', 'The hub restarted; this start keeps its place in line.');
    }
    this.#admission.restore(entries);
    if (entries.length > 0) log.info({ waiting: entries.length }, 'starts waiting for a slot lined up again');
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#admission.pause();
    this.modules.close();
    await this.#monitor.close();
    await this.#firstPoll;
  }

  /** One poll of every active server now (tests, and whoever cannot wait for the interval). */
  pollNow(): Promise<void> {
    return this.#monitor.pollOnce();
  }

  /**
   * The spawn form for `user` of app `choice.app`, pre-filled with the user's last choices for it.
   * With `choice.server` (a server of the user, `''` the default one), the form to start that
   * server again: its app (unless `choice.app` names one) and the options of its last start, each
   * still checked against today's form. A server that no longer exists, or whose app is no longer
   * offered, falls back like a remembered value: the first app, the last choices.
   */
  describeForm(user: UserRow, choice: FormChoice = {}): Promise<SpawnForm> {
    return userForm(this.#deps, user, choice);
  }

  /**
   * Starts a server: accepted at once (or refused: bad values, too many servers, the line full),
   * then launched as soon as a start slot is free and its turn in line has come. Returns once the
   * job is launched when that is at once, else as soon as the start waits in line (its place is
   * in `line`); the progress stream and the agent's `ready` take it from there. A second start of
   * a server that is starting is the same start (idempotent); of a running one, an error.
   * `options` are the form's values with `app` naming the app.
   */
  async start(user: UserRow, serverName: string, options: Record<string, unknown>): Promise<ServerRow> {
    const { db, config, log, routes } = this.#deps;
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

    const { app, options: checked } = await checkedOptions(this.#deps, user, options);
    // An account that cannot run jobs hears so now, not when its turn comes.
    await this.#deps.accountOf(user);
    const ticket = this.#admission.ticket();
    let row: ServerRow;
    try {
      row = await beginStart(db, {
        userId: user.id,
        name: serverName,
        app: app.id,
        options: checked,
        lineTicket: ticket,
      });
      await openRecord(
        db,
        { serverId: row.id, user, app: app.id, serverName, options: checked },
        row.started ?? nowIso(),
      );
    } catch (err) {
      this.#admission.dropped(ticket);
      throw err;
    }
    if (serverName !== '') routes.declare(user.name, serverName);
    this.#bus.reset(row.id);
    this.#bus.step(row.id, 'requested', `Server requested: ${app.title}`);
    const launch = this.#admission.joined({ serverId: row.id, userId: user.id, ticket });
    // A launch that takes long (a scheduler retried until it answers) goes on after the answer:
    // the start is pending, and its progress says what it waits for.
    if (launch) return (await settledWithin(launch, config.spawner.launch_wait_seconds * 1000)) ?? row;
    log.info(
      { user: user.name, server: serverName, place: this.line.placeOf(row.id), ticket },
      'server start waits for a free start slot',
    );
    return row;
  }

  /**
   * Checks a start's options against the user's form as `start` does, without starting anything
   * (a preset is saved only with values the form accepts): the app and the validated options,
   * `app` and modules included, as a start would store them. A bad value is a 400 per field.
   */
  async checkOptions(
    user: UserRow,
    options: Record<string, unknown>,
  ): Promise<{ app: string; options: OptionValues }> {
    const { app, options: checked } = await checkedOptions(this.#deps, user, options);
    return { app: app.id, options: checked };
  }

  /** Launches a start whose turn has come (launch.ts); it holds a slot until then, and maybe after. */
  async #launch(entry: LineEntry): Promise<ServerRow | undefined> {
    const id = entry.serverId;
    this.#launching.add(id);
    let launched = false;
    try {
      const result = await launchStart(this.#launchContext, entry);
      launched = result.launched;
      return result.server;
    } finally {
      this.#launching.delete(id);
      // In a scheduler's queue the job waits without a slot; it takes one again when it runs.
      if (!launched || this.#deps.spawner.queuesJobs) this.#admission.release(id);
    }
  }

  /** What a launch may use and do (see launch.ts). */
  get #launchContext(): LaunchContext {
    const { db, config, spawner, log, agent, accountOf, observer } = this.#deps;
    return {
      db,
      config,
      catalog: this.catalog,
      spawner,
      log,
      agent,
      accountOf,
      observer,
      moduleSystem: this.modules.system,
      bus: this.#bus,
      dropBlocked: (server) => this.#dropBlocked(server),
      launched: (serverId, timeoutSeconds) => this.#starts.set(serverId, { timeoutSeconds }),
    };
  }

  /** Ends a start in line whose user was blocked meanwhile. */
  async #dropBlocked(server: ServerRow): Promise<void> {
    const detail = 'The account was blocked while this start waited for a free start slot.';
    this.#admission.leave(server.id);
    await markStopping(this.#deps.db, server.id, { reason: 'admin_stop', detail });
    if (await recordEnd(this.#deps.db, server, 'admin_stop', detail))
      this.#bus.step(server.id, 'done', detail, { failed: true });
  }

  /** Stops a server (user or admin request, idle culling) and records why. Idempotent. */
  async stop(user: UserRow, serverName: string, reason: ServerEndReason, detail?: string): Promise<void> {
    const { db, routes } = this.#deps;
    const server = await findServer(db, user.id, serverName);
    if (!server) throw notFound();
    if (server.status === 'stopped') return;
    // A start waiting in line leaves it at once, and those behind move up.
    const waited = this.#admission.leave(server.id);
    this.#stopping.add(server.id);
    try {
      routes.remove(server.id);
      await markStopping(db, server.id, { reason, detail: detail ?? null });
      this.#endStart(server.id);
    } catch (err) {
      this.#stopping.delete(server.id);
      throw err;
    }
    await this.#carryOutStop({ ...server, owner: user.name }, reason, detail ?? null, !waited);
  }

  /**
   * The rest of a stop, once the server is marked stopping: its job stopped (`stopJob`), then
   * its end recorded. Also finishes a stop that a hub killed midway had begun.
   */
  async #carryOutStop(
    server: ServerWithOwner,
    reason: ServerEndReason,
    detail: string | null,
    stopJob: boolean,
  ): Promise<void> {
    const { db, spawner, log } = this.#deps;
    this.#stopping.add(server.id);
    try {
      const began = Date.now();
      if (stopJob) await spawner.stop(parseState(server));
      this.#deps.observer.stopped((Date.now() - began) / 1000);
      if (await recordEnd(db, server, reason, detail)) {
        if (server.status === 'pending')
          this.#bus.step(server.id, 'done', 'The start was cancelled.', { failed: true });
        log.info({ user: server.owner, server: server.name, reason, detail }, 'server stopped');
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

  /** When a running server will end and why (time limit, idle, maximum age), if anything ends it. */
  plannedEnd(row: ServerRow): PlannedEnd | null {
    return plannedEnd(row, cullPolicy(this.#deps.config.culler, this.catalog.get(row.app)));
  }

  /** A server was used at `at` (proxied traffic, the app's own activity): its row and its owner's. */
  async recordActivity(serverId: number, ownerId: number, at: Date): Promise<void> {
    const when = at.toISOString();
    // At once: on PostgreSQL each is a round trip (2,000 servers beat 33 times a second).
    await Promise.all([
      recordActivity(this.#deps.db, serverId, when),
      touchUser(this.#deps.db, ownerId, when),
    ]);
  }

  /**
   * A message from the agent of server `serverId`, accepted only with that server's secret
   * (anything else is a 403 and a line in the log).
   */
  agentMessage(serverId: number, presentedSecret: string | undefined, message: AgentMessage): Promise<void> {
    return handleAgentMessage(this.#agentMessages, serverId, presentedSecret, message);
  }

  /** What an agent's message may use and do (see agent-messages.ts). */
  get #agentMessages(): AgentMessageContext {
    return {
      ...this.#deps,
      bus: this.#bus,
      isStopping: (serverId) => this.#stopping.has(serverId),
      startOf: (serverId) => this.#starts.get(serverId),
      endStart: (serverId) => this.#endStart(serverId),
      recordActivity: (serverId, ownerId, at) => this.recordActivity(serverId, ownerId, at),
    };
  }

  /** Ends a start that cannot succeed: the job is stopped and the user told why. */
  async #fail(server: ServerWithOwner, message: string): Promise<void> {
    this.#endStart(server.id);
    // While the job is being stopped, polls must not record its end first (as "cancelled"),
    // which would lose the reason given here (often the agent's own words).
    this.#stopping.add(server.id);
    try {
      await this.#deps.spawner.stop(parseState(server));
      await recordFailure(this.#agentMessages, server, message);
    } finally {
      this.#stopping.delete(server.id);
    }
  }

  /** A start is over (ready, failed, stopped): its slot goes to the next in line. */
  #endStart(serverId: number): void {
    this.#starts.delete(serverId);
    this.#admission.release(serverId);
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
    finishStop: (server, reason, detail) => {
      this.#deps.log.info(
        { user: server.owner, server: server.name, reason },
        'finishing an interrupted stop',
      );
      void this.#carryOutStop(server, reason, detail, true).catch((err: unknown) => {
        this.#deps.log.warn(
          { server_id: server.id, err: (err as Error).message },
          'finishing an interrupted stop failed; trying again at the next poll',
        );
      });
    },
    jobRunning: async (id, node) => {
      if (this.#deps.spawner.queuesJobs) this.#admission.take(id);
      const queueWait = await recordRunning(this.#deps.db, id, nowIso(), node);
      if (queueWait !== null) this.#deps.observer.queued(queueWait);
    },
    stateNow: async (id) => (await findServerById(this.#deps.db, id))?.spawner_state,
    limitEnds: (id, at) => setLimitEnds(this.#deps.db, id, at),
    ended: async (server, reason, detail) => {
      this.#deps.routes.remove(server.id);
      return recordEnd(this.#deps.db, server, reason, detail);
    },
  };
}
