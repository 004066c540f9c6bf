// Renders the bash job script that every spawner (and the slurm-gateway) runs: the spawner's own
// header (#SBATCH lines, output redirection), the agent's environment, the node's module system
// with the app's and the user's modules (job-modules.ts), the user's custom script sourced with
// the Euler deployment's semantics, then `exec` of the agent. Every value comes from validated
// options and is single-quoted here, so nothing a user typed is ever interpreted by the shell.
import { AGENT_ENV, AGENT_JOB_ENV, type AgentLaunchSpec } from './agent.js';
import { type ModuleSystem, moduleLines } from './job-modules.js';
import { PROBE_EXIT } from './probe.js';
import { homePath, shellQuote } from './shell-quote.js';

/** PATH of a job before its own additions (path_prepend, modules): what a clean login shell has. */
export const JOB_BASE_PATH = '/usr/local/bin:/usr/bin:/bin';

/**
 * A bash `printf` format of the current time, ISO 8601 (`-1` as its argument): the job's log says
 * when it began with builtins only, where `$(date -Is)` and `$(hostname)` (bash has `$HOSTNAME`)
 * would each start a process before the app's.
 */
export const BASH_NOW = '%(%Y-%m-%dT%H:%M:%S%z)T';

export interface JobScriptParts {
  /** Lines after the shebang: `#SBATCH …` directives, or nothing. */
  header: string[];
  /** Lines run first in the job body (e.g. redirecting output to a log file). */
  prologue: string[];
  hubUrl: string;
  /** SHA-256 of the hub's certificate for the agent to pin (AGENT_ENV.hubFingerprint), if any. */
  hubFingerprint?: string | undefined;
  serverId: number;
  secret: string;
  spec: AgentLaunchSpec;
  /** Home-relative path of the user's custom script. */
  customScript: string;
  /** The app's modules (from its definition). */
  modules: string[];
  /** The user's own modules ("Other software"), loaded after the app's. */
  userModules?: string[];
  /** Where `module` comes from on the nodes; default: DEFAULT_MODULE_INIT, no extra trees. */
  moduleSystem?: ModuleSystem;
  pathPrepend: string[];
  nodePath: string;
  agentPath: string;
  /** The test job of `hpchub doctor`: run `hpchub-agent --probe` instead of an app (see probe.ts). */
  probe?: boolean;
}

/**
 * The script, in this order: modules (so that the custom script can use `module` and its
 * choices, such as activating a virtual environment, come last on PATH), the custom script,
 * the agent. When loading a module fails, the custom script is skipped and the agent only
 * reports the failure (AGENT_JOB_ENV.failure).
 */
export function renderJobScript(p: JobScriptParts): string {
  const env: [string, string][] = [
    [AGENT_ENV.hubUrl, p.hubUrl],
    ...(p.hubFingerprint ? [[AGENT_ENV.hubFingerprint, p.hubFingerprint] as [string, string]] : []),
    [AGENT_ENV.serverId, String(p.serverId)],
    [AGENT_ENV.secret, p.secret],
    [AGENT_ENV.spec, JSON.stringify(p.spec)],
  ];
  const lines = [
    '#!/bin/bash',
    ...p.header,
    '# Written by hpchub: starts the hpchub agent, which starts the app and connects it to the hub.',
    // A shell variable (no process started): when the job began, for the agent's log.
    `export ${AGENT_JOB_ENV.started}="$EPOCHREALTIME"`,
    ...p.prologue,
    ...env.flatMap(([k, v]) => [
      // The launch spec is data (an app's files may hold shell text): single quotes keep it so.
      ...(k === AGENT_ENV.spec ? ['# shellcheck disable=SC2016'] : []),
      `export ${k}=${shellQuote(v)}`,
    ]),
  ];
  if (p.pathPrepend.length > 0) lines.push(`export PATH=${shellQuote(p.pathPrepend.join(':'))}:"$PATH"`);
  lines.push(
    ...moduleLines({
      app: p.modules,
      user: p.userModules ?? [],
      system: p.moduleSystem ?? { init: [], use: [] },
    }),
    'if [ -n "$hpchub_failure" ]; then',
    `  export ${AGENT_JOB_ENV.failure}="$hpchub_failure"`,
    '  echo "hpchub: $hpchub_failure"',
    'else',
    `  hpchub_custom_script=${homePath(p.customScript)}`,
    '  if [ -f "$hpchub_custom_script" ]; then',
    '    echo "hpchub: sourcing $hpchub_custom_script"',
    '    . "$hpchub_custom_script"',
    '  else',
    '    echo "hpchub: $hpchub_custom_script does not exist; continuing without it"',
    '  fi',
    'fi',
  );
  if (p.probe) {
    // Say which part is missing in the job's log, and in an exit code the doctor can name.
    lines.push(
      `if [ ! -r ${shellQuote(p.agentPath)} ]; then`,
      `  echo "hpchub: $(id -un) cannot read the agent "${shellQuote(p.agentPath)}" on $(hostname)"`,
      `  exit ${PROBE_EXIT.agentUnreadable}`,
      'fi',
      `exec ${shellQuote(p.nodePath)} ${shellQuote(p.agentPath)} --probe`,
      '',
    );
    return lines.join('\n');
  }
  lines.push(`exec ${shellQuote(p.nodePath)} ${shellQuote(p.agentPath)}`, '');
  return lines.join('\n');
}

/** Everything of a job script but the spawner's own header and prologue. */
export type JobBody = Omit<JobScriptParts, 'header' | 'prologue'>;
