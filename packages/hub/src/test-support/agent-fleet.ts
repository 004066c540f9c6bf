// Many simulated agents in one process, for measuring the hub at a large centre's size without
// thousands of jobs: each is built from the real agent's parts (its settings reader, TLS
// frontend with the secret check, messages to the hub with retries, heartbeats) and speaks the
// real agent protocol to the hub — `progress`, `ready` with its pinned certificate, heartbeats,
// `stopping` when its job is signalled — but forwards to one tiny app shared by all (answering
// "tiny"), instead of starting an app process of its own. Hooked to FakeSlurm's onRun/onEnd, a
// job's agent starts when the job runs, from the job's own script, and stops when it ends; an
// agent whose `ready` the hub refuses exits, as the real one does, which ends its job.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { AppAuth, AppTarget, Frontend, Heartbeat, HubClient, type Logger, readSettings } from '@hpchub/agent';
import { AGENT_ENV, AGENT_TUNING_ENV, generateCertificate } from '@hpchub/protocol';

/** A job as the fleet is given it: its Slurm id and the script the node runs. */
export interface FleetJob {
  id: string;
  script: string;
}

/** The agent's settings from a job script's `export HPCHUB_AGENT_…='…'` lines (bash single quotes). */
export function agentEnvOf(script: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const m of script.matchAll(/^export (HPCHUB_AGENT_[A-Z_]+)='((?:[^']|'\\'')*)'$/gm))
    env[m[1] as string] = (m[2] as string).replaceAll(`'\\''`, "'");
  return env;
}

/** One simulated agent: live from `ready` until its job ends. */
class SimulatedAgent {
  private readonly abort = new AbortController();
  private heartbeat: Heartbeat | undefined;
  private frontend: Frontend | undefined;

  constructor(
    readonly serverId: string,
    private readonly hub: HubClient,
    /** The agent exited on its own: its job ends. */
    private readonly exited: () => void,
  ) {}

  async start(
    settings: ReturnType<typeof readSettings>,
    app: AddressInfo,
    log: Logger,
  ): Promise<{ ok: boolean }> {
    const { spec } = settings;
    void this.hub.send('progress', { message: `Starting ${spec.title ?? spec.app}` }, { attempts: 4 });
    const cert = generateCertificate({ altNames: ['127.0.0.1'] });
    const frontend = new Frontend({ secret: settings.secret, prefix: spec.prefix, ...cert, log });
    this.frontend = frontend;
    const target = new AppTarget({ host: app.address, port: app.port }, spec.prefix, spec.prefixMode);
    frontend.setRunning(target, new AppAuth(spec.appAuth, 'no-token', (t) => t), 'running');
    const port = await frontend.listen(settings.bindHost, 0);
    const answer = await this.hub.send(
      'ready',
      { host: settings.advertisedHost, port, fingerprint: cert.fingerprint },
      { signal: this.abort.signal },
    );
    if (!answer.ok) return { ok: false };
    // A hub that no longer knows the server: stop serving, telling nobody, and exit, as the real
    // one does, which ends the job.
    this.heartbeat = new Heartbeat(
      this.hub,
      settings.heartbeatMs,
      () => frontend.lastActivity,
      () => void this.stop(false).then(this.exited),
    );
    this.heartbeat.start();
    return { ok: true };
  }

  /** The job was signalled: tell the hub, stop listening. */
  async stop(tell: boolean): Promise<void> {
    this.abort.abort();
    this.heartbeat?.stop();
    if (tell)
      await this.hub.send(
        'stopping',
        { reason: 'signal', message: 'The agent received SIGTERM and stopped Tiny app.' },
        { attempts: 8, deadline: Date.now() + 10_000 },
      );
    await this.frontend?.close();
  }
}

export interface FleetCounts {
  /** Agents started (one per job that ran). */
  started: number;
  /** `ready` accepted by the hub. */
  ready: number;
  /** `ready` refused by the hub (a final 4xx). */
  refused: number;
  /** Agents whose job has ended. */
  ended: number;
}

export interface FleetOptions {
  /** Seconds between each agent's heartbeats (default 60, as real agents). */
  heartbeatSeconds?: number;
  /** An agent exited on its own (its `ready` refused): its job ends with that exit code. */
  exited?: (job: FleetJob, code: number) => void;
}

export class AgentFleet {
  private readonly agents = new Map<string, SimulatedAgent>();
  private readonly starting = new Set<Promise<unknown>>();
  readonly counts: FleetCounts = { started: 0, ready: 0, refused: 0, ended: 0 };
  /** Agents whose `ready` the hub accepted, per server id: more than one means it was started twice. */
  readonly readyByServer = new Map<string, number>();
  /** Warnings and errors the agents logged (bounded), and agents that could not start. */
  readonly problems: string[] = [];
  private readonly log: Logger;

  private constructor(
    private readonly app: http.Server,
    private readonly options: Required<FleetOptions>,
  ) {
    const note = (event: string, fields?: Record<string, unknown>) => {
      if (this.problems.length < 200) this.problems.push(`${event} ${JSON.stringify(fields ?? {})}`);
    };
    this.log = { info: () => {}, warn: note, error: note, redact: () => {} };
  }

  /** A fleet with its tiny app listening. */
  static async start(options: FleetOptions = {}): Promise<AgentFleet> {
    const app = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('tiny');
    });
    app.keepAliveTimeout = 120_000;
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    return new AgentFleet(app, {
      heartbeatSeconds: options.heartbeatSeconds ?? 60,
      exited: options.exited ?? (() => {}),
    });
  }

  /** Agents whose job runs. */
  get live(): number {
    return this.agents.size;
  }

  /** The job runs: its agent starts (FakeSlurm's onRun). */
  run(job: FleetJob): void {
    const env = agentEnvOf(job.script);
    const settings = readSettings({
      ...env,
      HOME: tmpdir(),
      [AGENT_TUNING_ENV.bind]: '127.0.0.1',
      [AGENT_TUNING_ENV.host]: '127.0.0.1',
      [AGENT_TUNING_ENV.heartbeatSeconds]: String(this.options.heartbeatSeconds),
    });
    const serverId = env[AGENT_ENV.serverId] as string;
    const agent = new SimulatedAgent(serverId, new HubClient(settings, this.log), () => {
      this.agents.delete(job.id);
      // hpchub-agent's exit status for a server its hub does not know.
      this.options.exited(job, 3);
    });
    this.agents.set(job.id, agent);
    this.counts.started += 1;
    const started = agent
      .start(settings, this.app.address() as AddressInfo, this.log)
      .then(({ ok }) => {
        if (ok) {
          this.counts.ready += 1;
          this.readyByServer.set(serverId, (this.readyByServer.get(serverId) ?? 0) + 1);
          return;
        }
        // Nobody will ever be routed here: the agent exits with 1, and its job ends.
        this.counts.refused += 1;
        this.agents.delete(job.id);
        return agent.stop(false).then(() => this.options.exited(job, 1));
      })
      .catch((err: Error) => this.problems.push(`agent of job ${job.id} failed: ${err.message}`))
      .finally(() => this.starting.delete(started));
    this.starting.add(started);
  }

  /** The job ended (FakeSlurm's onEnd): Slurm signals the agent, which tells the hub. */
  end(job: FleetJob): void {
    const agent = this.agents.get(job.id);
    if (!agent) return;
    this.agents.delete(job.id);
    this.counts.ended += 1;
    agent.stop(true).catch((err: Error) => this.problems.push(`agent of job ${job.id}: ${err.message}`));
  }

  /** Stops every agent without telling the hub (the test is over), and the tiny app. */
  async close(): Promise<void> {
    await Promise.allSettled([...this.starting]);
    await Promise.allSettled([...this.agents.values()].map((a) => a.stop(false)));
    this.agents.clear();
    await new Promise<void>((resolve) => {
      this.app.close(() => resolve());
      this.app.closeAllConnections();
    });
  }
}
