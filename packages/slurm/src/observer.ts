// What the Slurm clients tell whoever watches them (the hub's Prometheus metrics): how long each
// Slurm command or slurm-gateway call took and, when it failed, a class of failure from a short
// fixed list. Never a job id, a user or an argument: those would make labels without bound.

/** The commands the command-line client runs. */
export type SlurmCommand = 'sbatch' | 'squeue' | 'sacct' | 'scancel' | 'sinfo' | 'scontrol';

/**
 * Why a command failed: it ran out of time; the controller or accounting did not answer; the
 * user prefix (sudo, runuser) refused; it could not be started (missing command); Slurm does not
 * know the job (any more) or it has ended already; any other non-zero exit.
 */
export type CommandFailure =
  | 'timeout'
  | 'unreachable'
  | 'not_permitted'
  | 'cannot_run'
  | 'invalid_job'
  | 'exit_status';

/** The slurm-gateway client's calls, one per SlurmClient method. */
export type GatewayOperation = 'submit' | 'query' | 'cancel' | 'list_jobs' | 'cluster_info';

/**
 * Why a gateway call failed: no answer in time; no connection (refused, reset, name not found);
 * the certificate did not match the pin; the gateway refused the request (400, 403, 422: Slurm or
 * the gateway's rules said no); the gateway was unavailable (429, 5xx); any other answer.
 */
export type GatewayFailure =
  | 'timeout'
  | 'connection'
  | 'certificate'
  | 'refused'
  | 'unavailable'
  | 'unexpected';

export interface SlurmObserver {
  /** A command ended after `seconds`; `failure` is null when it succeeded. */
  command(name: SlurmCommand, seconds: number, failure: CommandFailure | null): void;
  /** A slurm-gateway call ended after `seconds`; `failure` is null when it succeeded. */
  gatewayCall(operation: GatewayOperation, seconds: number, failure: GatewayFailure | null): void;
}
