// A server's Slurm job as a structured request (@hpchub/slurm's SlurmJobRequest): resources from
// the validated options, the job body every spawner shares. The CLI client gets the script
// rendered from it; the slurm-gateway gets the request itself and renders the same script, so
// a hub that submits through the gateway needs no right to send raw scripts.
import { renderBatchScript, type SlurmJobRequest, sbatchLines } from '@hpchub/slurm';
import type { SpawnRequest } from '../spawner.js';

export interface SlurmScriptOptions {
  /** Seconds before the time limit at which Slurm sends SIGTERM to the batch shell (the agent). */
  signalSeconds: number;
  /** The hub's id (db/hub-id.ts), ending the job's comment; none for the doctor's test job. */
  hubId?: string;
}

/** File in the user's home that Slurm writes the job's own output to (before the prologue redirects it). */
export const SLURM_OUTPUT = '.hpchub-slurm.log';

function text(name: string, value: unknown): string {
  if (typeof value !== 'string') throw new Error(`${name} is not a plain word`);
  return value;
}

function whole(name: string, value: unknown, fallback: number): number {
  const n = value === undefined ? fallback : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0)
    throw new Error(`${name} is not a whole number`);
  return n;
}

/** The structured job for a request; throws when a value is not what validation lets through. */
export function slurmJob(request: SpawnRequest, options: SlurmScriptOptions): SlurmJobRequest {
  const r = request.resources;
  const server = request.serverName || 'default';
  const j = request.job;
  const job: SlurmJobRequest = {
    user: request.account.name,
    job_name: `hpchub-${text('app', request.appId)}`,
    // Which server of which hub the job is (server names have no '.'): `squeue -o %k`, and how
    // a relaunch finds a job its first launch left behind (left-behind.ts).
    comment: `hpchub-server-${whole('server id', request.serverId, 0)}-${server}${options.hubId ? `.${options.hubId}` : ''}`,
    cpus: whole('cores', r.cores, 1),
    memory_mb: whole('memory_gb', r.memory_gb, 1) * 1024,
    gpus: whole('gpus', r.gpus, 0),
    time_minutes: whole('hours', r.hours, 1) * 60,
    signal_seconds: options.signalSeconds,
    output: SLURM_OUTPUT,
    // The same log the local spawner writes: ~/.hpchub/logs/<server>.log.
    log: `.hpchub/logs/${server}.log`,
    job: {
      hub_url: j.hubUrl,
      ...(j.hubFingerprint ? { hub_fingerprint: j.hubFingerprint } : {}),
      server_id: j.serverId,
      secret: j.secret,
      spec: j.spec,
      custom_script: j.customScript,
      modules: j.modules,
      user_modules: j.userModules ?? [],
      module_init: j.moduleSystem?.init ?? [],
      module_use: j.moduleSystem?.use ?? [],
      ...(j.moduleSystem?.initAlways ? { module_init_always: true } : {}),
      path_prepend: j.pathPrepend,
      node_path: j.nodePath,
      agent_path: j.agentPath,
    },
  };
  if (j.probe) job.job.probe = true;
  if (r.partition !== undefined) job.partition = text('partition', r.partition);
  if (r.account !== undefined) job.account = text('account', r.account);
  return job;
}

/** The `#SBATCH` lines of a request's job. */
export function sbatchHeader(request: SpawnRequest, home: string, options: SlurmScriptOptions): string[] {
  return sbatchLines(slurmJob(request, options), home);
}

/** The whole batch script. It holds the server's secret: it goes to sbatch on stdin, never to a log. */
export function slurmJobScript(request: SpawnRequest, home: string, options: SlurmScriptOptions): string {
  return renderBatchScript(slurmJob(request, options), home);
}
