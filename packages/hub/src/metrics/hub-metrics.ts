// The hub's Prometheus metrics, in a registry of their own (one per hub, so several hubs in one
// process never mix). JupyterHub's names where JupyterHub measures the same thing, so existing
// Grafana dashboards work; hpchub's own (`hpchub_…`) for what only it knows. Labels are bounded:
// statuses, apps of the catalog, HTTP methods, route patterns and status codes — never a user.
//
// Made before the database is opened, so that the parts made with it (the database, the login
// pipeline, the Slurm client, the proxy) are handed their observer here (`queries`, `login`,
// `slurm`, `proxy`); the gauges that count rows read the database once it is open (`countRowsOf`).
import type { Kysely } from 'kysely';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { Database } from '../db/schema.js';
import type { SpawnObserver } from '../spawn/index.js';
import { DatabaseMetrics } from './db-metrics.js';
import { LoginMetrics } from './login-metrics.js';
import { ProxyMetrics } from './proxy-metrics.js';
import { SlurmMetrics } from './slurm-metrics.js';

/** JupyterHub's buckets for spawn and stop durations, in seconds. */
const SPAWN_BUCKETS = [0.5, 1, 2.5, 5, 10, 15, 30, 60, 120, 180, 300, 600, 1800, 3600];
const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Queue waits run from seconds to days. */
const QUEUE_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400];

const ACTIVE_PERIODS: [label: string, ms: number][] = [
  ['24h', 86_400_000],
  ['7d', 7 * 86_400_000],
  ['30d', 30 * 86_400_000],
];

export class HubMetrics implements SpawnObserver {
  readonly registry = new Registry();
  readonly #spawn: Histogram<'status'>;
  readonly #stop: Histogram<'status'>;
  readonly #requests: Histogram<'method' | 'handler' | 'code'>;
  readonly #queue: Histogram;
  readonly #agent: Histogram;
  /** Slurm commands and slurm-gateway calls. */
  readonly slurm = new SlurmMetrics(this.registry);
  /** Refused sign-ins and lock-outs. */
  readonly login = new LoginMetrics(this.registry);
  /** Requests, bytes and WebSockets through the proxy. */
  readonly proxy = new ProxyMetrics(this.registry);
  /** Database queries. */
  readonly queries = new DatabaseMetrics(this.registry);

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#spawn = new Histogram({
      name: 'jupyterhub_server_spawn_duration_seconds',
      help: 'Time from a start being requested until its server was ready (success) or failed.',
      labelNames: ['status'],
      buckets: SPAWN_BUCKETS,
      registers,
    });
    this.#stop = new Histogram({
      name: 'jupyterhub_server_stop_seconds',
      help: 'Time taken to stop a server.',
      labelNames: ['status'],
      buckets: SPAWN_BUCKETS,
      registers,
    });
    this.#requests = new Histogram({
      name: 'jupyterhub_request_duration_seconds',
      help: 'Time taken to answer a request, by method, route pattern and status code.',
      labelNames: ['method', 'handler', 'code'],
      buckets: REQUEST_BUCKETS,
      registers,
    });
    this.#queue = new Histogram({
      name: 'hpchub_queue_wait_seconds',
      help: 'Time a job waited in the scheduler’s queue before it ran.',
      buckets: QUEUE_BUCKETS,
      registers,
    });
    this.#agent = new Histogram({
      name: 'hpchub_agent_ready_seconds',
      help: 'Time from a job running until its agent reported the app ready.',
      buckets: SPAWN_BUCKETS,
      registers,
    });
  }

  /** The gauges that count users and servers, read from `db` at each scrape. */
  countRowsOf(db: Kysely<Database>): void {
    const registers = [this.registry];
    new Gauge({
      name: 'jupyterhub_total_users',
      help: 'Users with an account on the hub.',
      registers,
      async collect() {
        const row = await db
          .selectFrom('users')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst();
        this.set(Number(row?.n ?? 0));
      },
    });
    new Gauge({
      name: 'jupyterhub_running_servers',
      help: 'Servers running (ready and reachable).',
      registers,
      async collect() {
        const row = await db
          .selectFrom('servers')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('status', '=', 'running')
          .executeTakeFirst();
        this.set(Number(row?.n ?? 0));
      },
    });
    new Gauge({
      name: 'jupyterhub_active_users',
      help: 'Users active within the period (24h, 7d, 30d).',
      labelNames: ['period'],
      registers,
      async collect() {
        for (const [period, ms] of ACTIVE_PERIODS) {
          const since = new Date(Date.now() - ms).toISOString();
          const row = await db
            .selectFrom('users')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('last_activity', '>=', since)
            .executeTakeFirst();
          this.set({ period }, Number(row?.n ?? 0));
        }
      },
    });
    new Gauge({
      name: 'hpchub_servers',
      help: 'Servers that are not stopped, by status (pending, running, stopping) and app.',
      labelNames: ['status', 'app'],
      registers,
      async collect() {
        const rows = await db
          .selectFrom('servers')
          .select(['status', 'app', (eb) => eb.fn.countAll().as('n')])
          .where('status', '!=', 'stopped')
          .groupBy(['status', 'app'])
          .execute();
        this.reset();
        for (const r of rows) this.set({ status: r.status, app: r.app }, Number(r.n));
      },
    });
  }

  spawnEnded(outcome: 'success' | 'failure', seconds: number): void {
    this.#spawn.observe({ status: outcome }, seconds);
  }

  queued(seconds: number): void {
    this.#queue.observe(seconds);
  }

  agentReady(seconds: number): void {
    this.#agent.observe(seconds);
  }

  stopped(seconds: number): void {
    this.#stop.observe({ status: 'success' }, seconds);
  }

  /** A request was answered; `handler` is its route pattern (bounded), not its URL. */
  request(method: string, handler: string, code: number, seconds: number): void {
    this.#requests.observe({ method, handler, code: String(code) }, seconds);
  }
}
