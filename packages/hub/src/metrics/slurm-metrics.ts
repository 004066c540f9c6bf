// Slurm as the hub sees it: how long each command (sbatch, squeue, sacct, scancel, sinfo,
// scontrol) or slurm-gateway call took, and how many failed, by a class of failure from a fixed
// list. The labels are command and operation names and those classes: never a job or a user.
import type {
  CommandFailure,
  GatewayFailure,
  GatewayOperation,
  SlurmCommand,
  SlurmObserver,
} from '@hpchub/slurm';
import { Counter, Histogram, type Registry } from 'prom-client';

/** From a quick squeue to a controller that answers only at the command timeout (30 s). */
const COMMAND_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class SlurmMetrics implements SlurmObserver {
  readonly #commands: Histogram<'command'>;
  readonly #failures: Counter<'command' | 'reason'>;
  readonly #calls: Histogram<'operation'>;
  readonly #errors: Counter<'operation' | 'reason'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#commands = new Histogram({
      name: 'hpchub_slurm_command_duration_seconds',
      help: 'Time a Slurm command took, by command (sbatch, squeue, sacct, scancel, sinfo, scontrol).',
      labelNames: ['command'],
      buckets: COMMAND_BUCKETS,
      registers,
    });
    this.#failures = new Counter({
      name: 'hpchub_slurm_command_failures_total',
      help: 'Slurm commands that failed, by command and reason (timeout, unreachable, not_permitted, cannot_run, invalid_job, exit_status).',
      labelNames: ['command', 'reason'],
      registers,
    });
    this.#calls = new Histogram({
      name: 'hpchub_slurm_gateway_request_duration_seconds',
      help: 'Time a call to the slurm-gateway took, by operation (submit, query, cancel, list_jobs, cluster_info).',
      labelNames: ['operation'],
      buckets: COMMAND_BUCKETS,
      registers,
    });
    this.#errors = new Counter({
      name: 'hpchub_slurm_gateway_errors_total',
      help: 'Calls to the slurm-gateway that failed, by operation and reason (timeout, connection, certificate, refused, unavailable, unexpected).',
      labelNames: ['operation', 'reason'],
      registers,
    });
  }

  command(name: SlurmCommand, seconds: number, failure: CommandFailure | null): void {
    this.#commands.observe({ command: name }, seconds);
    if (failure) this.#failures.inc({ command: name, reason: failure });
  }

  gatewayCall(operation: GatewayOperation, seconds: number, failure: GatewayFailure | null): void {
    this.#calls.observe({ operation }, seconds);
    if (failure) this.#errors.inc({ operation, reason: failure });
  }
}
