// Assembles spawning for a hub: the configured spawner, the app catalog, the agent install,
// the orchestrator and its monitor.
import { join } from 'node:path';
import { type AppCatalog, loadCatalog } from '../apps/catalog.js';
import type { HubContext } from '../context.js';
import { accountResolver } from './accounts.js';
import { installAgent } from './agent-install.js';
import { createLocalSpawner } from './local/index.js';
import { Monitor } from './monitor.js';
import { Orchestrator, type RouteSink } from './orchestrator.js';
import { ProgressBus } from './progress.js';
import type { Spawner } from './spawner.js';

export interface Spawning {
  orchestrator: Orchestrator;
  monitor: Monitor;
  progress: ProgressBus;
  catalog: AppCatalog;
}

export interface SpawningOptions {
  hub: HubContext;
  routes: RouteSink;
  /** The hub's own base URL once it listens (`http://127.0.0.1:8000`). */
  hubUrl(): string;
  /** Replaces the configured spawner (tests use the fakes). */
  spawner?: Spawner;
}

function configuredSpawner(hub: HubContext): Spawner {
  switch (hub.config.spawner.kind) {
    case 'local':
      return createLocalSpawner({ usersDir: join(hub.config.data_dir, 'users') });
    case 'slurm':
      throw new Error('spawner.kind slurm is not available in this version of hpchub yet; use local.');
  }
}

export function createSpawning({ hub, routes, hubUrl, spawner }: SpawningOptions): Spawning {
  const { config, log } = hub;
  const progress = new ProgressBus();
  const catalog = loadCatalog(config.apps);
  const orchestrator = new Orchestrator({
    db: hub.db,
    config,
    catalog,
    spawner: spawner ?? configuredSpawner(hub),
    log,
    routes,
    progress,
    agent: {
      hubUrl: () => `${(config.spawner.hub_url || hubUrl()).replace(/\/$/, '')}/hub/api/agent`,
      nodePath: config.spawner.node_path,
      agentPath: spawner ? 'fake-agent.js' : installAgent(config, log),
    },
    accountOf: accountResolver(config),
  });
  const monitor = new Monitor(orchestrator, config.spawner.poll_interval_seconds);
  return { orchestrator, monitor, progress, catalog };
}
