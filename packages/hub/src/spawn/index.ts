// The spawning service's public surface: what the pages, the REST API, the agent API, the proxy
// wiring and the CLI may use of spawn/. Everything else in this folder is its own business.

export { accountResolver } from './accounts.js';
export type { LineReader } from './admission.js';
export { installAgent, makeTraversable } from './agent-install.js';
export type { AgentMessage } from './contracts.js';
export { type CullPlan, IdleCuller } from './culler.js';
export type { FormField, SpawnForm } from './form.js';
export { SpawnFormSchema } from './form.js';
export { mappedName, mapsEachUser } from './local/run-as.js';
export { serverLabel, serverNameProblem, serverPath } from './names.js';
export type { SpawnObserver } from './observer.js';
export type { PlannedEnd } from './planned-end.js';
export type { ProgressEvent, ProgressReader } from './progress.js';
export type { RoutedServer, RouteSink } from './route-record.js';
export {
  ACTIVE_STATUSES,
  countActive,
  findServer,
  type ServerEndReason,
  serverForPath,
  serversOfUsers,
} from './servers-store.js';
export type { SpawningService } from './service.js';
export { createSpawning, type SpawningOptions, standaloneSpawner } from './setup.js';
export { userCommandPrefix } from './slurm/settings.js';
export type { PollResult, SpawnAccount, Spawner, SpawnerState } from './spawner.js';
