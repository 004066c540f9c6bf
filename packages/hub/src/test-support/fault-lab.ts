// A hub on the real Slurm cluster for fault tests and `bench:faults`: the hub as its own process
// (fault-hub.mjs, killable with SIGKILL, able to stop dead at a point of a spawn), its database
// (SQLite, or PostgreSQL at a URL the test gives), the tiny app started by the real agent in real
// jobs of hpchub-alice, and the agents' way to the hub through a link the test can cut
// (agent-link.ts). Every server is named `fault-…`, so that the lab's jobs are told apart from
// other tests' jobs of the same user by their comment, and only they are ever cancelled.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import type { ServerModel } from '@hpchub/protocol';
import { createToken } from '../auth/tokens.js';
import type { HubConfig } from '../config/index.js';
import { activeJobs, cancelJobs, provisionSlurm, slurmConfig } from '../spawn/slurm/test-support.js';
import { nowIso } from '../util/time.js';
import { AgentLink } from './agent-link.js';
import { databaseEngines, type TestDatabase } from './db.js';
import { type ApiResponse, answerOf, Browser, readEvents } from './hub.js';
import { HubProcess } from './hub-process.js';
import { freePort } from './sim-cluster.js';
import { type TestSystemUser, testSystemUser, testSystemUsers } from './system-users.js';
import { TINY_APP, writeTinyApps } from './tiny-app.js';

const FAULT_HUB = fileURLToPath(new URL('./fault-hub.mjs', import.meta.url));
const USER = 'hpchub-alice';
/** The comment of the lab's jobs: `hpchub-server-<id>-fault-…` (see spawn/slurm/script.ts). */
const OUR_JOB = /^hpchub-server-\d+-fault-/;

/** Where fault-hub.mjs can stop dead (see there). */
export type FaultPoint = 'submitted' | 'cancel';

export interface FaultLabOptions {
  /** The maintenance URL of a PostgreSQL server for the hub's database; SQLite when absent. */
  postgresUrl?: string;
  /** Seconds between each agent's heartbeats (culler.report_seconds; default 60). */
  heartbeatSeconds?: number;
  configure?: (config: HubConfig) => void;
}

/** A server of the lab as the hub's database has it. */
export interface LabServer {
  id: number;
  name: string;
  status: string;
  job: string | undefined;
  endReason: string | null;
  endDetail: string | null;
}

export class FaultLab {
  private constructor(
    readonly hub: HubProcess,
    readonly db: TestDatabase,
    /** The agents' way to the hub (spawner.hub_url points at it). */
    readonly link: AgentLink,
    private readonly user: TestSystemUser,
    private readonly token: string,
    private readonly cleanup: () => Promise<void>,
  ) {}

  static async start(options: FaultLabOptions = {}): Promise<FaultLab> {
    const undo: (() => Promise<unknown>)[] = [];
    const rollback = async () => {
      for (const step of undo.reverse()) await step().catch(() => undefined);
    };
    try {
      const user = testSystemUser(testSystemUsers(), USER);
      await provisionSlurm();
      const engine = databaseEngines({ postgresUrl: options.postgresUrl }).find(
        (e) => e.name === (options.postgresUrl ? 'postgres' : 'sqlite'),
      );
      const db = await (engine as { open(): Promise<TestDatabase> }).open();
      undo.push(() => db.close());
      const row = await db.db
        .insertInto('users')
        .values({ name: USER, admin: 0, password_hash: null, created: nowIso() })
        .returning('id')
        .executeTakeFirstOrThrow();
      const { token } = await createToken(db.db, { userId: row.id, scopes: ['self'] });
      const appsDir = await mkdtemp(join(tmpdir(), 'hpchub-fault-apps-'));
      undo.push(() => rm(appsDir, { recursive: true, force: true }));
      const appsFile = writeTinyApps(appsDir);
      const port = await freePort();
      const link = await AgentLink.open(port);
      undo.push(() => link.close());
      const hub = await HubProcess.start({
        database: db,
        program: (configFile) => [process.execPath, FAULT_HUB, configFile],
        configure: (c) => {
          slurmConfig(c);
          c.port = port;
          c.db.url = db.url;
          c.spawner.hub_url = link.url;
          c.apps.file = appsFile;
          c.apps.enabled = [TINY_APP];
          c.culler.report_seconds = options.heartbeatSeconds ?? 60;
          // Many starts at once (slurmctld restarted during 20 of them), most waiting in the queue.
          c.spawner.servers_per_user = 100;
          options.configure?.(c);
        },
      });
      undo.push(() => hub.stop());
      const lab = new FaultLab(hub, db, link, user, token, rollback);
      // Whatever a test leaves running, stopped by its own hub first, then cancelled.
      undo.push(async () => {
        for (const s of await lab.servers())
          if (s.status !== 'stopped') await lab.stop(s.name).catch(() => undefined);
        await cancelJobs((await lab.ourJobs()).map((j) => j.id));
        for (const s of await lab.servers())
          rmSync(join(user.home, '.hpchub', 'logs', `${s.name}.log`), { force: true });
      });
      return lab;
    } catch (err) {
      await rollback();
      throw err;
    }
  }

  /** Calls the hub's API as hpchub-alice. */
  async api<T = unknown>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const res = await fetch(`${this.hub.url}/hub/api${path}`, {
      method,
      headers: {
        authorization: `token ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return answerOf<T>(res);
  }

  #browser: Browser | undefined;

  /** A page of the hub as hpchub-alice sees it in her browser (logged in through PAM at first use). */
  async page(path: string): Promise<{ status: number; text: string }> {
    this.#browser ??= await Browser.loggedIn(this.hub.url, this.user.name, this.user.password);
    return this.#browser.get(path).catch((err: Error) => ({ status: 0, text: err.message }));
  }

  /** Starts the tiny app as server `name` (answers when the job is submitted; a stopped hub never answers). */
  start(name: string): Promise<ApiResponse<ServerModel>> {
    return this.api('POST', `/users/${USER}/servers/${name}`, {
      user_options: { app: TINY_APP, cores: 1, memory_gb: 1 },
    });
  }

  stop(name: string): Promise<ApiResponse> {
    return this.api('DELETE', `/users/${USER}/servers/${name}`);
  }

  /** Follows a start's progress until ready or failed: its last event. */
  async progress(
    name: string,
    timeoutMs = 120_000,
  ): Promise<{ ready?: boolean; failed?: boolean; message?: string }> {
    const events = await readEvents<{ ready?: boolean; failed?: boolean; message?: string }>(
      `${this.hub.url}/hub/api/users/${USER}/servers/${name}/progress`,
      { authorization: `token ${this.token}` },
      { until: (e) => Boolean(e.ready || e.failed), timeoutMs },
    );
    return events.at(-1) ?? {};
  }

  /** Opens the server through the hub's proxy, as its user. */
  async open(name: string): Promise<{ status: number; text: string }> {
    const res = await fetch(`${this.hub.url}/user/${USER}/${name}/`, {
      headers: { authorization: `token ${this.token}` },
    }).catch((err: Error) => ({ status: 0, text: () => Promise.resolve(err.message) }));
    return { status: res.status, text: await res.text() };
  }

  /** The next spawn of this hub stops dead at `point` (once), for killHub() to strike there. */
  stopAt(point: FaultPoint): void {
    writeFileSync(join(this.hub.dataDir, 'fault-point'), point);
  }

  /** Resolves when the hub has logged `msg` after its `since`-th log line. */
  async logged(msg: string, since: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.hub.logLines.slice(since).some((l) => l.includes(`"msg":"${msg}"`))) {
      if (Date.now() > deadline) throw new Error(`the hub did not log "${msg}" within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  /** SIGKILL, and the hub started again on the same port and database. */
  async killHub(): Promise<void> {
    rmSync(join(this.hub.dataDir, 'fault-point'), { force: true });
    await this.hub.killAndRestart();
  }

  /** Whether the hub answered a request to `path` with success after its `since`-th log line. */
  agentMessageAnswered(path: string, since: number): boolean {
    const requests = new Set<string>();
    for (const line of this.hub.logLines.slice(since)) {
      let entry: { reqId?: string; msg?: string; req?: { url?: string }; res?: { statusCode?: number } };
      try {
        entry = JSON.parse(line);
      } catch {
        continue;
      }
      if (!entry.reqId) continue;
      if (entry.msg === 'incoming request' && entry.req?.url === path) requests.add(entry.reqId);
      const status = entry.res?.statusCode ?? 0;
      if (entry.msg === 'request completed' && requests.has(entry.reqId) && status >= 200 && status < 300)
        return true;
    }
    return false;
  }

  /** The agent's log of server `name` (the job's log in the user's home), '' before it exists. */
  agentLog(name: string): string {
    const file = join(this.user.home, '.hpchub', 'logs', `${name}.log`);
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  async servers(): Promise<LabServer[]> {
    const rows = await this.db.db
      .selectFrom('servers')
      .select(['id', 'name', 'status', 'spawner_state', 'end_reason', 'end_detail'])
      .execute();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      status: r.status,
      job: (JSON.parse(r.spawner_state) as { job?: string }).job,
      endReason: r.end_reason,
      endDetail: r.end_detail,
    }));
  }

  /**
   * The lab's jobs that Slurm still runs or queues. Other tests restart slurmctld too: while it
   * does not answer, this asks again, for up to two minutes.
   */
  async ourJobs(): Promise<{ id: string; state: string; comment: string }[]> {
    const deadline = Date.now() + 120_000;
    for (;;) {
      try {
        return (await activeJobs()).filter((j) => j.user === USER && OUR_JOB.test(j.comment));
      } catch (err) {
        if (Date.now() > deadline) throw err;
        await sleep(1000);
      }
    }
  }

  /** The lab's active jobs that belong to no server the hub has as pending, running or stopping. */
  async orphans(): Promise<string[]> {
    const live = new Set(
      (await this.servers()).filter((s) => s.status !== 'stopped' && s.job).map((s) => s.job as string),
    );
    return (await this.ourJobs())
      .filter((j) => !live.has(j.id))
      .map((j) => `job ${j.id} (${j.comment}) is ${j.state} but no live server has it`);
  }

  /** Stops the hub, cancels what is left of the lab's jobs, removes the database and files. */
  close(): Promise<void> {
    return this.cleanup();
  }
}
