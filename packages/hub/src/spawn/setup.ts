// Assembles the spawning service of a hub: the configured spawner (or one given in its place),
// the app catalog, the agent installed where jobs can run it, the job PATH.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { JOB_BASE_PATH } from '@hpchub/protocol';
import type { SlurmClient, SlurmObserver } from '@hpchub/slurm';
import type { Logger } from 'pino';
import { type AppCatalog, loadCatalog } from '../apps/catalog.js';
import { findOnPath, installJupyter, venvBin } from '../apps/python-env.js';
import { agentApiAddress } from '../config/hub-url.js';
import type { HubConfig } from '../config/index.js';
import type { HubContext } from '../context.js';
import { ModuleCatalogue, moduleSystemOf } from '../modules/catalogue.js';
import { unknownFieldApps } from '../modules/field.js';
import type { Clock } from '../util/time.js';
import { accountResolver } from './accounts.js';
import { installAgent, makeTraversable } from './agent-install.js';
import { localRunAs } from './local/run-as.js';
import { createLocalSpawner } from './local/spawner.js';
import { type SpawnObserver, UNOBSERVED } from './observer.js';
import type { RouteSink } from './route-record.js';
import { SecretBox } from './secret-box.js';
import { SpawningService } from './service.js';
import { slurmSettings } from './slurm/settings.js';
import { configuredSlurmClient, createSlurmSpawning } from './slurm/setup.js';
import { createSlurmSpawner } from './slurm/spawner.js';
import type { Spawner } from './spawner.js';

export interface SpawningOptions {
  hub: HubContext;
  routes: RouteSink;
  /** The cookie secret, from which the key that seals agent secrets in stored routes derives. */
  cookieSecret: string;
  /** The hub's own base URL once it listens (`http://127.0.0.1:8000`). */
  hubUrl(): string;
  /** Of the hub's own certificate (auth/hub-certificate.ts), which agents pin. */
  hubFingerprint: string;
  /** A spawner to use instead of the configured one. */
  spawner?: Spawner | undefined;
  /** The time now (default: the system clock; tests give a clock they control). */
  now?: Clock | undefined;
  /** Told how long starts and stops take (default: nobody). */
  observer?: SpawnObserver | undefined;
  /** Told how long each Slurm command or slurm-gateway call takes and how it fails (default: nobody). */
  slurmObserver?: SlurmObserver | undefined;
}

/** The local spawner as configured. */
async function configuredLocalSpawner(config: HubConfig): Promise<Spawner> {
  const root = process.getuid?.() === 0;
  const runAs = root ? await localRunAs(config.spawner.local_user, config.spawner.min_uid) : undefined;
  const usersDir = join(config.data_dir, 'users');
  if (runAs) {
    // The working directories belong to the accounts the servers run as, which must reach them.
    mkdirSync(usersDir, { recursive: true, mode: 0o711 });
    makeTraversable(config.data_dir);
    makeTraversable(usersDir);
  }
  return createLocalSpawner({ usersDir, runAs });
}

/** The spawner `spawner.kind` names. */
async function configuredSpawner(hub: HubContext, slurmObserver?: SlurmObserver): Promise<Spawner> {
  switch (hub.config.spawner.kind) {
    case 'local':
      return configuredLocalSpawner(hub.config);
    case 'slurm':
      return createSlurmSpawning(hub, undefined, slurmObserver).spawner;
  }
}

/**
 * The spawner `spawner.kind` names, from the configuration alone, without a running hub: what
 * `hpchub doctor` runs its test job with, exactly as the hub would start a server. With Slurm,
 * also the client it submits with. Throws when it cannot be set up (no spawner.local_user, no
 * gateway token file).
 */
export async function standaloneSpawner(
  config: HubConfig,
  log: Pick<Logger, 'info' | 'warn'>,
): Promise<{ spawner: Spawner; slurm?: SlurmClient }> {
  if (config.spawner.kind === 'local') return { spawner: await configuredLocalSpawner(config) };
  const slurm = configuredSlurmClient(config, log);
  const settings = slurmSettings(config);
  const spawner = createSlurmSpawner({
    client: slurm,
    signalSeconds: settings.signalSeconds,
    stopTimeoutMs: settings.stopTimeoutMs,
    log,
  });
  return { spawner, slurm };
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

export async function createSpawning(options: SpawningOptions): Promise<SpawningService> {
  const { hub, routes, hubUrl, hubFingerprint } = options;
  const { config, log } = hub;
  const catalog = loadCatalog(config.apps);
  const unknown = unknownFieldApps(config, (id) => catalog.get(id) !== undefined);
  if (unknown.length > 0)
    throw new Error(`modules.field_apps names apps that are not offered: ${unknown.join(', ')}`);
  return new SpawningService({
    db: hub.db,
    config,
    catalog,
    spawner: options.spawner ?? (await configuredSpawner(hub, options.slurmObserver)),
    log,
    routes,
    box: new SecretBox(options.cookieSecret),
    agent: {
      hubApi: () => agentApiAddress(config, hubUrl(), hubFingerprint),
      nodePath: config.spawner.node_path,
      agentPath: installAgent(config, log),
      pathPrepend: await jobPath(hub, catalog),
    },
    accountOf: accountResolver(config),
    now: options.now ?? Date.now,
    observer: options.observer ?? UNOBSERVED,
    modules: new ModuleCatalogue({
      system: moduleSystemOf(config),
      refreshMs: config.modules.refresh_seconds * 1000,
      timeoutMs: config.modules.list_timeout_seconds * 1000,
      log,
    }),
  });
}
