// The hub's own share of one hpchub start: the parts that are hpchub's code rather than Slurm's
// scheduling or the app's own start-up, so that a regression there cannot hide in the
// scheduler's tick or JupyterLab's import time. Read from timestamps already recorded: the
// start's usage record in the hub's database (submitted, ready as the hub received it), the
// agent's log in the user's home (when the job script began, when the agent's process began,
// its first line, the app launched, the app's first good answer to the ready probe), and the
// benchmark's own clock (request sent, ready event seen, first answer through the proxy). All
// on one machine, so the clocks agree; nothing is added to the start being measured.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { StartTiming } from './common.js';

/** Milliseconds of each part of the hub's share; total_ms is their sum. */
export interface HubShare {
  /** Request sent → job submitted: the hub's checks, the job script, sbatch answering. */
  request_to_submitted_ms: number;
  /** Job script began → agent's process began: modules, the custom script, exec node. */
  job_script_ms: number;
  /** Agent's process began → its first log line: Node loading the agent. */
  agent_boot_ms: number;
  /** Agent's first log line → the app's process spawned (settings, certificate, working directory). */
  agent_to_app_launched_ms: number;
  /** App's first good answer to the probe → the hub recorded ready (TLS listener, ready message, route). */
  app_answered_to_ready_ms: number;
  /** Hub recorded ready → the progress stream's ready event seen. */
  ready_to_event_ms: number;
  /** Ready event seen → first answer through the hub's proxy (TLS connection to the agent, the app's answer). */
  event_to_first_byte_ms: number;
  total_ms: number;
}

interface AgentLine {
  time?: string;
  event?: string;
  job_started?: string;
  process_started?: string;
}

/** The agent's log lines of the start that began at `sinceMs` (its log file is appended to). */
function agentLines(logFile: string, sinceMs: number): AgentLine[] {
  if (!existsSync(logFile)) throw new Error(`no agent log at ${logFile}`);
  const lines: AgentLine[] = [];
  for (const text of readFileSync(logFile, 'utf8').split('\n')) {
    if (!text.startsWith('{')) continue;
    try {
      const line = JSON.parse(text) as AgentLine;
      if (line.time && Date.parse(line.time) >= sinceMs) lines.push(line);
    } catch {
      // a line of the app's own that looks like JSON
    }
  }
  return lines;
}

function epochOf(what: string, iso: string | null | undefined): number {
  const ms = iso ? Date.parse(iso) : Number.NaN;
  if (!Number.isFinite(ms)) throw new Error(`the hub's share: no time for ${what}`);
  return ms;
}

/**
 * The share of the start `timing` of the server whose agent logs to `logFile`, with the hub's
 * database at `dbFile`. Call after the start, before the server is stopped.
 */
export function hubShare(timing: StartTiming, dbFile: string, logFile: string): HubShare {
  const t0 = timing.request_epoch_ms;
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  let usage: { submitted_at: string | null; ready_at: string | null } | undefined;
  try {
    usage = db
      .prepare('SELECT submitted_at, ready_at FROM usage_records ORDER BY id DESC LIMIT 1')
      .get() as typeof usage;
  } finally {
    db.close();
  }
  const lines = agentLines(logFile, t0);
  const starting = lines.findLast((l) => l.event === 'agent_starting');
  const after = lines.slice(starting ? lines.indexOf(starting) : lines.length);
  const at = (event: string) => epochOf(event, after.find((l) => l.event === event)?.time);
  const submitted = epochOf('job submitted', usage?.submitted_at);
  const jobStarted = epochOf('job script began', starting?.job_started);
  const processStarted = epochOf('agent process began', starting?.process_started);
  const agentStarting = epochOf('agent_starting', starting?.time);
  const appLaunched = at('app_started');
  const appAnswered = at('app_ready');
  const ready = epochOf('ready recorded', usage?.ready_at);
  const eventSeen = t0 + (timing.ready_event_s ?? Number.NaN) * 1000;
  const firstByte = t0 + timing.status_200_s * 1000;
  const parts = {
    request_to_submitted_ms: submitted - t0,
    job_script_ms: processStarted - jobStarted,
    agent_boot_ms: agentStarting - processStarted,
    agent_to_app_launched_ms: appLaunched - agentStarting,
    app_answered_to_ready_ms: ready - appAnswered,
    ready_to_event_ms: eventSeen - ready,
    event_to_first_byte_ms: firstByte - eventSeen,
  };
  const rounded = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, Math.round(v)])) as Omit<
    HubShare,
    'total_ms'
  >;
  const total = Object.values(parts).reduce((a, b) => a + b, 0);
  if (!Number.isFinite(total)) throw new Error(`the hub's share: a time is missing ${JSON.stringify(parts)}`);
  return { ...rounded, total_ms: Math.round(total) };
}

/** The agent's log of the user's default server (the job's `log`, see spawn/slurm/script.ts). */
export function defaultServerLog(home: string): string {
  return join(home, '.hpchub/logs/default.log');
}
