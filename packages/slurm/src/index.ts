// @hpchub/slurm: the Slurm client contract and its command-line implementation, shared by the
// hub (which submits as the user through sudo or runuser) and the slurm-gateway (which will
// offer the same four operations over HTTPS to hubs that hold no rights themselves).
export { renderBatchScript, type SlurmJobRequest, sbatchLines } from './batch-script.js';
export * from './cli/exec.js';
export { CliSlurmClient, type CliSlurmOptions, minimalEnv } from './cli/index.js';
export {
  asUser,
  defaultUserPrefix,
  isSafeUserName,
  parseUserPrefix,
  RUNUSER_PREFIX,
  SUDO_PREFIX,
} from './cli/prefix.js';
export * from './client.js';
export { FAKE_CLUSTER, FakeSlurm, type FakeSlurmOptions } from './fake.js';
export {
  type GatewayClientOptions,
  GatewaySlurmClient,
} from './gateway-client.js';
export { hoursToSlurmTime, slurmDuration, slurmTimestamp } from './time.js';
