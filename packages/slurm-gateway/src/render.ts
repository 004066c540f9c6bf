// The batch script of a structured submit, rendered here from validated fields only: `#SBATCH`
// lines from bounded numbers and plain words, then the agent's launch with every value single
// quoted. The layout is the hub's (spawn/job-script.ts and spawn/slurm/script.ts), so a job
// submitted through the gateway is the job the hub would have submitted itself.
import { AGENT_ENV } from '@hpchub/protocol';
import type { Account } from './accounts.js';
import type { SubmitBody } from './schemas.js';

/** Quotes a string for bash: inside single quotes nothing is special except the quote itself. */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('a NUL byte cannot be passed to a shell');
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

function homePath(relative: string): string {
  return `"$HOME"/${shellQuote(relative)}`;
}

export function sbatchLines(body: SubmitBody, account: Account): string[] {
  const lines = [`--job-name=${body.job_name}`];
  if (body.comment !== undefined) lines.push(`--comment=${body.comment}`);
  if (body.partition !== undefined) lines.push(`--partition=${body.partition}`);
  if (body.account !== undefined) lines.push(`--account=${body.account}`);
  lines.push('--nodes=1', '--ntasks=1', `--cpus-per-task=${body.cpus}`, `--mem=${body.memory_mb}M`);
  if ((body.gpus ?? 0) > 0) lines.push(`--gres=gpu:${body.gpus}`);
  lines.push(`--time=${body.time_minutes}`);
  if ((body.signal_seconds ?? 0) > 0) lines.push(`--signal=B:TERM@${body.signal_seconds}`);
  lines.push(`--chdir=${account.home}`, `--output=${account.home}/${body.output}`, '--open-mode=append');
  return lines.map((l) => `#SBATCH ${l}`);
}

export function renderBatchScript(body: SubmitBody, account: Account): string {
  const j = body.job;
  const env: [string, string][] = [
    [AGENT_ENV.hubUrl, j.hub_url],
    [AGENT_ENV.serverId, String(j.server_id)],
    [AGENT_ENV.secret, j.secret],
    [AGENT_ENV.spec, JSON.stringify(j.spec)],
  ];
  const lines = [
    '#!/bin/bash',
    ...sbatchLines(body, account),
    '# Written by hpchub-slurm-gateway: starts the hpchub agent, which starts the app.',
    `export HOME=${shellQuote(account.home)}`,
    'export PATH=/usr/local/bin:/usr/bin:/bin',
    'cd "$HOME" || exit 1',
    ...env.map(([k, v]) => `export ${k}=${shellQuote(v)}`),
  ];
  if (j.path_prepend.length > 0) lines.push(`export PATH=${shellQuote(j.path_prepend.join(':'))}:"$PATH"`);
  lines.push(
    `hpchub_custom_script=${homePath(j.custom_script)}`,
    'if [ -f "$hpchub_custom_script" ]; then . "$hpchub_custom_script"; fi',
  );
  if (j.modules.length > 0)
    lines.push(
      `if command -v module >/dev/null 2>&1; then module load ${j.modules.map(shellQuote).join(' ')}; fi`,
    );
  lines.push(`exec ${shellQuote(j.node_path)} ${shellQuote(j.agent_path)}`, '');
  return lines.join('\n');
}

/** Partitions a raw script asks for in its `#SBATCH` lines (-p/--partition), to hold them to the allowed list. */
export function scriptPartitions(script: string): string[] {
  const found: string[] = [];
  for (const line of script.split('\n')) {
    if (!/^#SBATCH\s/.test(line)) continue;
    for (const m of line.matchAll(/(?:^|\s)(?:--partition(?:=|\s+)|-p\s*)(\S+)/g))
      found.push(...(m[1] ?? '').split(','));
  }
  return found;
}
