// @hpchub/slurm: the Slurm client contract and its two implementations, shared by the hub and
// the slurm-gateway: the command-line client (sbatch, squeue, sacct, scancel, sinfo, run as the
// user) and the gateway client (the same four operations over HTTPS, for hubs without rights).
export { renderBatchScript, type SlurmJobRequest, sbatchLines } from './batch-script.js';
export { CliSlurmClient, type CliSlurmOptions, minimalEnv } from './cli/client.js';
export * from './cli/exec.js';
export {
  asUser,
  defaultUserPrefix,
  isSafeUserName,
  parseUserPrefix,
  RUNUSER_PREFIX,
  SUDO_PREFIX,
} from './cli/prefix.js';
export * from './client.js';
export {
  type GatewayClientOptions,
  GatewaySlurmClient,
  SLURM_NOT_REACHED,
} from './gateway-client.js';
export type * from './observer.js';
export { hoursToSlurmTime, slurmDuration, slurmTimestamp } from './time.js';
