// The built-in idle culler. Every interval it looks at every running server and stops those
// whose policy (the `culler` section, narrowed by the app's `cull`) says they are done: no
// activity for the idle timeout, or older than the maximum age. It keeps no timers of its own:
// each run works from the servers' stored times (`last_activity`, `ready`, `started`), so a
// restarted hub culls exactly what the old one would have. Servers started by admins for others
// and shared servers are culled like any other: the owner's server is what holds the resources.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AppCatalog } from '../apps/catalog.js';
import type { AppDefinition } from '../apps/definition.js';
import type { HubConfig } from '../config/index.js';
import type { Database, ServerRow } from '../db/schema.js';
import { Periodic } from '../util/periodic.js';
import { type Clock, formatDuration } from '../util/time.js';
import { runningServers } from './servers-store.js';

/** The culling rules of one app's servers. */
export interface CullPolicy {
  enabled: boolean;
  idleTimeoutSeconds: number;
  busyKernelsActive: boolean;
  /** 0: no maximum. */
  maxAgeSeconds: number;
}

/** The `culler` section's policy, with what the app's definition says for itself. */
export function cullPolicy(culler: HubConfig['culler'], app: AppDefinition | undefined): CullPolicy {
  const own = app?.cull ?? {};
  return {
    enabled: own.enabled ?? culler.enabled,
    idleTimeoutSeconds: own.idle_timeout_seconds ?? culler.idle_timeout_seconds,
    busyKernelsActive: own.busy_kernels_active ?? culler.busy_kernels_active,
    maxAgeSeconds: own.max_age_seconds ?? culler.max_age_seconds,
  };
}

/** When the culler will stop a server, and why; the sentence completes "stopped after …". */
export interface CullPlan {
  at: number;
  why: 'idle' | 'max_age';
  detail: string;
}

type Timed = Pick<ServerRow, 'last_activity' | 'ready' | 'started'>;

const time = (iso: string | null) => (iso ? Date.parse(iso) : Number.NaN);

/** When the server will be culled if nothing happens meanwhile; null when its policy culls nothing. */
export function cullPlan(server: Timed, policy: CullPolicy): CullPlan | null {
  if (!policy.enabled) return null;
  const plans: CullPlan[] = [];
  const lastUse = [server.last_activity, server.ready, server.started].map(time).filter(Number.isFinite);
  if (lastUse.length > 0)
    plans.push({
      at: Math.max(...lastUse) + policy.idleTimeoutSeconds * 1000,
      why: 'idle',
      detail: `${formatDuration(policy.idleTimeoutSeconds)} idle`,
    });
  const started = time(server.started);
  if (policy.maxAgeSeconds > 0 && Number.isFinite(started))
    plans.push({
      at: started + policy.maxAgeSeconds * 1000,
      why: 'max_age',
      detail: `${formatDuration(policy.maxAgeSeconds)}, the longest a server may run`,
    });
  return plans.sort((a, b) => a.at - b.at)[0] ?? null;
}

export interface CullerDeps {
  db: Kysely<Database>;
  config: HubConfig;
  catalog: AppCatalog;
  log: Logger;
  now: Clock;
  /** Stops the server with the end reason `idle_cull` and `detail`. */
  stop(server: { userId: number; owner: string; name: string }, detail: string): Promise<void>;
}

export class IdleCuller {
  readonly #deps: CullerDeps;
  readonly #periodic: Periodic;

  constructor(deps: CullerDeps) {
    this.#deps = deps;
    this.#periodic = new Periodic(() => this.#run(), deps.config.culler.interval_seconds * 1000);
  }

  start(): void {
    this.#periodic.start();
  }

  /** One look at every running server now (or the run in flight). */
  runOnce(): Promise<void> {
    return this.#periodic.runOnce();
  }

  close(): Promise<void> {
    return this.#periodic.close();
  }

  /** The plan of a server as its app's policy makes it (for warnings and the API). */
  planOf(server: Timed & Pick<ServerRow, 'app'>): CullPlan | null {
    const { config, catalog } = this.#deps;
    return cullPlan(server, cullPolicy(config.culler, catalog.get(server.app)));
  }

  async #run(): Promise<void> {
    const { db, log, now } = this.#deps;
    const at = now();
    for (const server of await runningServers(db)) {
      const plan = this.planOf(server);
      if (!plan || plan.at > at) continue;
      log.info(
        { user: server.owner, server: server.name, why: plan.why, last_activity: server.last_activity },
        'culling server',
      );
      try {
        await this.#deps.stop(
          { userId: server.user_id, owner: server.owner, name: server.name },
          plan.detail,
        );
      } catch (err) {
        log.warn({ user: server.owner, server: server.name, err: (err as Error).message }, 'culling failed');
      }
    }
  }
}
