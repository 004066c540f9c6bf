// Renders the bash job script that every spawner (and the slurm-gateway) runs: the spawner's own header (#SBATCH
// lines, output redirection), the agent's environment, the user's custom script sourced with
// the Euler deployment's semantics, then `exec` of the agent. Every value comes from validated
// options and is single-quoted here, so nothing a user typed is ever interpreted by the shell.
import { AGENT_ENV, type AgentLaunchSpec } from './agent.js';

/** PATH of a job before its own additions (path_prepend, modules): what a clean login shell has. */
export const JOB_BASE_PATH = '/usr/local/bin:/usr/bin:/bin';

/** Quotes a string for bash: inside single quotes nothing is special except the quote itself. */
export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new Error('a NUL byte cannot be passed to a shell');
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** `"$HOME"/'rest'` for a home-relative path (as normalised by apps/fields.ts). */
export function homePath(relative: string): string {
  return relative === '.' ? '"$HOME"' : `"$HOME"/${shellQuote(relative)}`;
}

export interface JobScriptParts {
  /** Lines after the shebang: `#SBATCH …` directives, or nothing. */
  header: string[];
  /** Lines run first in the job body (e.g. redirecting output to a log file). */
  prologue: string[];
  hubUrl: string;
  serverId: number;
  secret: string;
  spec: AgentLaunchSpec;
  /** Home-relative path of the user's custom script. */
  customScript: string;
  modules: string[];
  pathPrepend: string[];
  nodePath: string;
  agentPath: string;
}

export function renderJobScript(p: JobScriptParts): string {
  const env: [string, string][] = [
    [AGENT_ENV.hubUrl, p.hubUrl],
    [AGENT_ENV.serverId, String(p.serverId)],
    [AGENT_ENV.secret, p.secret],
    [AGENT_ENV.spec, JSON.stringify(p.spec)],
  ];
  const lines = [
    '#!/bin/bash',
    ...p.header,
    '# Written by hpchub: starts the hpchub agent, which starts the app and connects it to the hub.',
    ...p.prologue,
    ...env.map(([k, v]) => `export ${k}=${shellQuote(v)}`),
  ];
  if (p.pathPrepend.length > 0) lines.push(`export PATH=${shellQuote(p.pathPrepend.join(':'))}:"$PATH"`);
  lines.push(
    `hpchub_custom_script=${homePath(p.customScript)}`,
    'if [ -f "$hpchub_custom_script" ]; then',
    '  echo "hpchub: sourcing $hpchub_custom_script"',
    '  . "$hpchub_custom_script"',
    'else',
    '  echo "hpchub: $hpchub_custom_script does not exist; continuing without it"',
    'fi',
  );
  if (p.modules.length > 0) {
    lines.push(
      'if command -v module >/dev/null 2>&1; then',
      `  module load ${p.modules.map(shellQuote).join(' ')}`,
      'else',
      `  echo "hpchub: no module command on $(hostname); not loading ${p.modules.join(' ')}"`,
      'fi',
    );
  }
  lines.push(`exec ${shellQuote(p.nodePath)} ${shellQuote(p.agentPath)}`, '');
  return lines.join('\n');
}

/** Everything of a job script but the spawner's own header and prologue. */
export type JobBody = Omit<JobScriptParts, 'header' | 'prologue'>;
