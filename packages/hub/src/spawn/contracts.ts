// What the spawning service is given (its dependencies) and what it is told by the agent API.
import type { AgentHeartbeat, AgentProgress, AgentReady, AgentStopping } from '@hpchub/protocol';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AppCatalog } from '../apps/catalog.js';
import type { HubConfig } from '../config/index.js';
import type { Database, UserRow } from '../db/schema.js';
import type { ModuleCatalogue } from '../modules/catalogue.js';
import type { Clock } from '../util/time.js';
import type { AgentLocation } from './launch.js';
import type { SpawnObserver } from './observer.js';
import type { RouteSink } from './route-record.js';
import type { SecretBox } from './secret-box.js';
import type { SpawnAccount, Spawner } from './spawner.js';

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
  /** The time now (tests give a clock they control). */
  now: Clock;
  /** Told how long starts and stops take (the hub's metrics). */
  observer: SpawnObserver;
}

/** A message of the agent inside a job, already checked against its schema. */
export type AgentMessage =
  | { kind: 'ready'; body: AgentReady }
  | { kind: 'progress'; body: AgentProgress }
  | { kind: 'heartbeat'; body: AgentHeartbeat }
  | { kind: 'stopping'; body: AgentStopping };
