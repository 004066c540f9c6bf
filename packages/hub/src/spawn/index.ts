// Assembles spawning for a hub: the configured spawner, the app catalog, the agent install,
// the orchestrator and its monitor.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { JOB_BASE_PATH } from '@hpchub/protocol';
import { type AppCatalog, loadCatalog } from '../apps/catalog.js';
import { findOnPath, installJupyter, venvBin } from '../apps/python-env.js';
import { lookupSystemAccount } from '../auth/system-account.js';
import type { HubContext } from '../context.js';
import { accountResolver } from './accounts.js';
import { installAgent, makeTraversable } from './agent-install.js';
import { createLocalSpawner } from './local/index.js';
import { Monitor } from './monitor.js';
import { Orchestrator, type OrchestratorDeps, type RouteSink } from './orchestrator.js';
import { ProgressBus } from './progress.js';
import { createSlurmSpawning } from './slurm/setup.js';
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

/** The configured spawner, and the resource fields it adds to the spawn form (Slurm). */
async function configuredSpawner(
  hub: HubContext,
): Promise<{ spawner: Spawner; spawnerFields?: OrchestratorDeps['spawnerFields'] }> {
  switch (hub.config.spawner.kind) {
    case 'local': {
      let localUser: { name: string; uid: number; gid: number } | undefined;
      if (process.getuid?.() === 0) {
        const account = await lookupSystemAccount(hub.config.spawner.local_user);
        if (!account)
          throw new Error(
            `spawner.local_user ${hub.config.spawner.local_user} is not an account on this machine.`,
          );
        localUser = { name: account.name, uid: account.uid, gid: account.gid };
      }
      const usersDir = join(hub.config.data_dir, 'users');
      if (localUser) {
        // The working directories belong to spawner.local_user, which must be able to reach them.
        mkdirSync(usersDir, { recursive: true, mode: 0o711 });
        makeTraversable(hub.config.data_dir);
        makeTraversable(usersDir);
      }
      return { spawner: createLocalSpawner({ usersDir, localUser }) };
    }
    case 'slurm':
      return createSlurmSpawning(hub);
  }
}

/**
 * Where jobs find their apps: spawner.path_prepend, plus `<data_dir>/venv/bin` for a local hub
 * without Jupyter of its own, which it installs there first (apps.install_jupyter).
 */
async function jobPath(hub: HubContext, catalog: AppCatalog): Promise<string[]> {
  const { config, log } = hub;
  const path = [...config.spawner.path_prepend];
  const local = venvBin(config.data_dir);
  if (existsSync(local)) return [...path, local];
  const wanted = config.spawner.kind === 'local' && config.apps.install_jupyter && catalog.get('jupyterlab');
  if (!wanted || (await findOnPath('jupyter-lab', [...path, ...JOB_BASE_PATH.split(':')]))) return path;
  try {
    return [...path, await installJupyter(config.data_dir, log)];
  } catch (err) {
    log.warn(
      { err: (err as Error).message },
      'JupyterLab is not available to jobs; set spawner.path_prepend to where it is installed',
    );
    return path;
  }
}

export async function createSpawning({ hub, routes, hubUrl, spawner }: SpawningOptions): Promise<Spawning> {
  const { config, log } = hub;
  const progress = new ProgressBus();
  const catalog = loadCatalog(config.apps);
  const pathPrepend = await jobPath(hub, catalog);
  const configured = spawner ? { spawner } : await configuredSpawner(hub);
  const orchestrator = new Orchestrator({
    db: hub.db,
    config,
    catalog,
    spawner: configured.spawner,
    spawnerFields: configured.spawnerFields,
    log,
    routes,
    progress,
    agent: {
      hubUrl: () => `${(config.spawner.hub_url || hubUrl()).replace(/\/$/, '')}/hub/api/agent`,
      nodePath: config.spawner.node_path,
      agentPath: spawner ? 'fake-agent.js' : installAgent(config, log),
      pathPrepend,
    },
    accountOf: accountResolver(config),
  });
  const monitor = new Monitor(orchestrator, config.spawner.poll_interval_seconds);
  return { orchestrator, monitor, progress, catalog };
}
