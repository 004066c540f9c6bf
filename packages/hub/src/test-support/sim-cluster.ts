// A hub on a simulated cluster, for measuring and testing it at a large centre's size: the real
// hub (sim-hub.mjs: `hpchub start` from the build in a process of its own, on SQLite or
// PostgreSQL, killable with SIGKILL) with the real Slurm spawner, talking through the
// slurm-gateway's client and a bridge to a FakeSlurm in this process
// (queueing delays, an squeue that costs more the more jobs it holds), whose jobs run simulated
// agents (agent-fleet.ts) that report to the hub over the real agent protocol and serve a tiny
// app over TLS. Users are written straight into the database, with an API token each.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCertificate, type ServerModel } from '@hpchub/protocol';
import { isFinalState } from '@hpchub/slurm';
import { FakeSlurm, type FakeSlurmOptions, serveSlurm } from '@hpchub/slurm/test-support';
import { createToken } from '../auth/tokens.js';
import type { HubConfig } from '../config/index.js';
import { nowIso } from '../util/time.js';
import { AgentFleet } from './agent-fleet.js';
import { databaseEngines, type TestDatabase } from './db.js';
import { type ApiResponse, answerOf, readEvents } from './hub.js';
import { HubProcess } from './hub-process.js';
import { TINY_APP, writeTinyApps } from './tiny-app.js';

const SIM_HUB = fileURLToPath(new URL('./sim-hub.mjs', import.meta.url));

export interface SimClusterOptions {
  engine: 'sqlite' | 'postgres';
  /** The scheduler's pace and the cost of its queries. */
  slurm?: Pick<FakeSlurmOptions, 'queueDelayMs' | 'queryCost'>;
  /** Seconds between each agent's heartbeats (default 60, as real agents). */
  heartbeatSeconds?: number;
  /** Adjusts the hub's configuration (poll interval 1 s, the tiny app and a fixed port are set). */
  configure?: (config: HubConfig) => void;
  /** A directory for the hub's CPU profiles, one per stretch between eventLoopDelay() calls. */
  profileDir?: string;
}

/** A server as the hub's database has it. */
export interface SimServer {
  id: number;
  user: string;
  status: string;
  /** The Slurm job, once launched. */
  job: string | undefined;
  endReason: string | null;
}

/** What a start's progress stream ended with. */
export interface SimProgressEnd {
  ready?: boolean;
  failed?: boolean;
  message?: string;
}

/** A free TCP port on loopback: the hub keeps one port across restarts, as a site's does. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export class SimCluster {
  private constructor(
    readonly slurm: FakeSlurm,
    readonly fleet: AgentFleet,
    readonly hub: HubProcess,
    readonly db: TestDatabase,
    /** An admin's API token. */
    readonly adminToken: string,
    private readonly cleanup: () => Promise<void>,
  ) {}

  static async start(options: SimClusterOptions): Promise<SimCluster> {
    const undo: (() => Promise<unknown>)[] = [];
    const rollback = async () => {
      for (const step of undo.reverse()) await step().catch(() => undefined);
    };
    try {
      const engine = databaseEngines().find((e) => e.name === options.engine);
      const db = await (engine as { open(): Promise<TestDatabase> }).open();
      undo.push(() => db.close());
      const slurm: FakeSlurm = new FakeSlurm({
        ...options.slurm,
        onRun: (job) => fleet.run(job),
        onEnd: (job) => fleet.end(job),
      });
      undo.push(async () => slurm.close());
      const fleet = await AgentFleet.start({
        heartbeatSeconds: options.heartbeatSeconds,
        exited: (job, code) => slurm.end(job.id, code === 0 ? 'COMPLETED' : 'FAILED', code),
      });
      undo.push(() => fleet.close());
      const cert = generateCertificate({ altNames: ['127.0.0.1'] });
      const token = randomBytes(24).toString('base64url');
      const home = await mkdtemp(join(tmpdir(), 'hpchub-sim-home-'));
      undo.push(() => rm(home, { recursive: true, force: true }));
      const bridge = await serveSlurm(slurm, { ...cert, token, home });
      undo.push(() => bridge.close());
      const appsDir = await mkdtemp(join(tmpdir(), 'hpchub-sim-apps-'));
      undo.push(() => rm(appsDir, { recursive: true, force: true }));
      const appsFile = writeTinyApps(appsDir);
      const admin = await db.db
        .insertInto('users')
        .values({ name: 'admin', admin: 1, password_hash: null, created: nowIso() })
        .returning('id')
        .executeTakeFirstOrThrow();
      const { token: adminToken } = await createToken(db.db, { userId: admin.id, scopes: ['admin'] });
      const port = await freePort();
      const hub = await HubProcess.start({
        database: db,
        program: (configFile) => [process.execPath, SIM_HUB, configFile],
        env: {
          HPCHUB_SIM_SLURM_URL: bridge.url,
          HPCHUB_SIM_SLURM_FINGERPRINT: cert.fingerprint,
          HPCHUB_SIM_SLURM_TOKEN: token,
          ...(options.profileDir ? { HPCHUB_SIM_PROFILE_DIR: options.profileDir } : {}),
        },
        configure: (c) => {
          c.port = port;
          c.db.url = db.url;
          c.spawner.kind = 'slurm';
          c.spawner.poll_interval_seconds = 1;
          c.apps.file = appsFile;
          c.apps.enabled = [TINY_APP];
          options.configure?.(c);
        },
      });
      undo.push(() => hub.stop());
      return new SimCluster(slurm, fleet, hub, db, adminToken, rollback);
    } catch (err) {
      await rollback();
      throw err;
    }
  }

  get url(): string {
    return this.hub.url;
  }

  /**
   * Accounts for `names`, written straight into the database in batches (as a site's import
   * would), each with an API token of scope `self` unless `tokens` is false; resolves with the
   * tokens by name.
   */
  async addUsers(names: string[], options: { tokens?: boolean } = {}): Promise<Map<string, string>> {
    const tokens = new Map<string, string>();
    for (let i = 0; i < names.length; i += 500) {
      const rows = await this.db.db
        .insertInto('users')
        .values(
          names.slice(i, i + 500).map((name) => ({ name, admin: 0, password_hash: null, created: nowIso() })),
        )
        .returning(['id', 'name'])
        .execute();
      if (options.tokens === false) continue;
      for (const row of rows)
        tokens.set(row.name, (await createToken(this.db.db, { userId: row.id, scopes: ['self'] })).token);
    }
    return tokens;
  }

  /** Calls the hub's API with a token, sending `body` as JSON. */
  async api<T = unknown>(
    token: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<ApiResponse<T>> {
    const res = await fetch(`${this.url}/hub/api${path}`, {
      method,
      headers: {
        authorization: `token ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return answerOf<T>(res);
  }

  /** Slurm runs every job still waiting in its queue, now. */
  runQueuedJobs(): void {
    for (const job of this.slurm.jobs.values()) if (job.state === 'PENDING') this.slurm.start(job);
  }

  /**
   * The hub's event loop delay since the last call (the first call only starts the count):
   * sim-hub.mjs reports it on SIGUSR2, with the path of the CPU profile of the same stretch when
   * the cluster was started with a profileDir.
   */
  async eventLoopDelay(): Promise<
    { p50_ms: number; p99_ms: number; max_ms: number; profile?: string } | undefined
  > {
    const seen = this.hub.logLines.length;
    process.kill(this.hub.pid, 'SIGUSR2');
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      const line = this.hub.logLines.slice(seen).find((l) => l.includes('"event_loop_delay":'));
      if (line) return JSON.parse(line).event_loop_delay;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return undefined;
  }

  /** The user presses Start: the tiny app on their default server. */
  start(user: string, token: string): Promise<ApiResponse<ServerModel>> {
    return this.api(token, 'POST', `/users/${user}/server`, { user_options: { app: TINY_APP } });
  }

  /** The user stops their default server. */
  stopServer(user: string, token: string): Promise<ApiResponse> {
    return this.api(token, 'DELETE', `/users/${user}/server`);
  }

  /** Follows the user's progress stream until ready or failed; resolves with its last event. */
  async progress(user: string, token: string, timeoutMs = 120_000): Promise<SimProgressEnd | undefined> {
    const events = await readEvents<SimProgressEnd>(
      `${this.url}/hub/api/users/${user}/server/progress`,
      { authorization: `token ${token}` },
      { until: (e) => Boolean(e.ready || e.failed), timeoutMs },
    );
    return events.at(-1);
  }

  /** The user opens their server through the hub's proxy. */
  async open(user: string, token: string): Promise<{ status: number; text: string }> {
    const res = await fetch(`${this.url}/user/${user}/`, { headers: { authorization: `token ${token}` } });
    return { status: res.status, text: await res.text() };
  }

  /** Every server as the hub's database has it. */
  async servers(): Promise<SimServer[]> {
    const rows = await this.db.db
      .selectFrom('servers')
      .innerJoin('users', 'users.id', 'servers.user_id')
      .select(['servers.id', 'users.name', 'servers.status', 'servers.spawner_state', 'servers.end_reason'])
      .execute();
    return rows.map((r) => ({
      id: r.id,
      user: r.name,
      status: r.status,
      job: (JSON.parse(r.spawner_state) as { job?: string }).job,
      endReason: r.end_reason,
    }));
  }

  /** Active servers without a saved job: waiting in the hub's line, or being launched. */
  async launching(): Promise<number> {
    return (await this.servers()).filter((s) => s.status === 'pending' && s.job === undefined).length;
  }

  /**
   * Where the hub, Slurm and the agents disagree: a Slurm job that no live server owns (an
   * orphan, which would run until its time limit), a running server whose job has ended, a
   * server whose agent was started twice, a server still stopping.
   */
  async problems(): Promise<string[]> {
    const servers = await this.servers();
    const byJob = new Map(servers.filter((s) => s.job).map((s) => [s.job as string, s]));
    const problems: string[] = [];
    for (const job of this.slurm.jobs.values()) {
      if (isFinalState(job.state)) continue;
      const owner = byJob.get(job.id);
      if (!owner || owner.status === 'stopped')
        problems.push(
          `job ${job.id} is ${job.state} but ${owner ? `server ${owner.id} is stopped` : 'no server has it'}`,
        );
    }
    for (const s of servers) {
      const job = s.job ? this.slurm.jobs.get(s.job) : undefined;
      if (s.status === 'running' && (!job || isFinalState(job.state)))
        problems.push(
          `server ${s.id} (${s.user}) is running but its job ${s.job} is ${job?.state ?? 'unknown'}`,
        );
      if (s.status === 'stopping') problems.push(`server ${s.id} (${s.user}) is still stopping`);
      if ((this.fleet.readyByServer.get(String(s.id)) ?? 0) > 1)
        problems.push(`server ${s.id} (${s.user}) was started twice: two agents were taken as ready`);
    }
    return problems;
  }

  /** Stops the hub, the agents, the cluster, and removes the database. */
  stop(): Promise<void> {
    return this.cleanup();
  }
}
