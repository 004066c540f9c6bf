// The local spawner: runs the job script as a process on the hub's machine. As the user's own
// system account when the hub runs as root and the user is a system user (runuser: their uid,
// gid and groups, their home as working directory, a clean environment); otherwise as the hub's
// own user, in a per-user working directory under the data directory (the embedded default for
// hub-only accounts), or, when the hub is root, as the account spawner.local_user maps the
// hub-only account to (run-as.ts). Processes run in their own process group and survive a hub
// restart.
import { spawn } from 'node:child_process';
import { chown, mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AGENT_TUNING_ENV, BASH_NOW, JOB_BASE_PATH, renderJobScript } from '@hpchub/protocol';
import { HubError } from '../../errors/index.js';
import type { PollResult, Spawner, SpawnerState, SpawnRequest } from '../spawner.js';
import { isAlive, type ProcessIdentity, processStartTime, signalGroup } from './process.js';
import type { RunAs } from './run-as.js';

export interface LocalSpawnerOptions {
  /** Where hub-only accounts get their working directories (`<data_dir>/users/<name>`). */
  usersDir: string;
  /** The account a hub-only account's server runs as when the hub is root (spawner.local_user). */
  runAs?: RunAs | undefined;
  /** Seconds between SIGTERM and SIGKILL when stopping. */
  stopGraceSeconds?: number;
}

interface LocalState extends ProcessIdentity {
  kind: 'local';
  host: string;
  pgid: number;
}

/** `env -i` with just what a login would set, then bash reading the job script from stdin. */
function cleanEnv(vars: string[]): string[] {
  return [
    '/usr/bin/env',
    '-i',
    ...vars,
    'SHELL=/bin/bash',
    `PATH=${JOB_BASE_PATH}`,
    'LANG=C.UTF-8',
    '/bin/bash',
    '-s',
  ];
}

function isLocalState(state: SpawnerState): state is SpawnerState & LocalState {
  return state.kind === 'local' && typeof state.pid === 'number' && typeof state.startTime === 'string';
}

/** How long a stop waits for a process killed with SIGKILL to be gone (a loaded machine). */
const KILLED_WITHIN_MS = 10_000;

/** Whether the process has ended (or become a zombie) within `ms`, looking every 100 ms. */
async function endsWithin(state: ProcessIdentity, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (!(await isAlive(state))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(Math.min(100, Math.max(1, deadline - Date.now())));
  }
}

function logName(request: SpawnRequest): string {
  return `${request.serverName || 'default'}.log`;
}

export function createLocalSpawner(options: LocalSpawnerOptions): Spawner {
  const grace = (options.stopGraceSeconds ?? 15) * 1000;
  // Exit codes of children this hub process started (after a restart they are not our children).
  const exits = new Map<number, { code: number | null; signal: NodeJS.Signals | null }>();

  async function commandFor(request: SpawnRequest): Promise<{ argv: string[]; cwd: string }> {
    const root = process.getuid?.() === 0;
    const sys = request.account.system;
    if (sys && root) {
      const env = [`HOME=${sys.home}`, `USER=${request.account.name}`, `LOGNAME=${request.account.name}`];
      return { argv: ['runuser', '-u', request.account.name, '--', ...cleanEnv(env)], cwd: sys.home };
    }
    // A root hub never runs a hub-only account's server as root: it runs as spawner.local_user.
    if (root && !options.runAs)
      throw new HubError(
        'unavailable',
        'The hub runs as root and has no unprivileged account to run this server as.',
      );
    const runAs = root ? await options.runAs?.(request.account.name) : undefined;
    const dir = join(options.usersDir, request.account.name);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const env = [`HOME=${dir}`, `USER=${request.account.name}`];
    if (!runAs) return { argv: cleanEnv(env), cwd: dir };
    await chown(dir, runAs.uid, runAs.gid);
    return { argv: ['runuser', '-u', runAs.name, '--', ...cleanEnv(env)], cwd: dir };
  }

  async function poll(state: SpawnerState): Promise<PollResult> {
    if (!isLocalState(state))
      return { status: 'stopped', reason: 'unknown', detail: 'no process was recorded' };
    if (await isAlive(state)) return { status: 'running', host: state.host };
    const exit = exits.get(state.pid);
    if (!exit) return { status: 'stopped', reason: 'unknown' };
    if (exit.signal) return { status: 'stopped', reason: 'cancelled', detail: `ended by ${exit.signal}` };
    return {
      status: 'stopped',
      reason: exit.code === 0 ? 'exited' : 'failed',
      exitCode: exit.code ?? undefined,
    };
  }

  return {
    id: 'local',
    // The process runs at once, on the hub's machine: its start holds a slot until it answers.
    queuesJobs: false,

    async start(request) {
      const { argv, cwd } = await commandFor(request);
      const script = renderJobScript({
        ...request.job,
        header: [],
        prologue: [
          // The job's output goes to a log in the user's own home, like a Slurm output file.
          '[ -d "$HOME/.hpchub/logs" ] || mkdir -p "$HOME/.hpchub/logs"',
          `exec >>"$HOME/.hpchub/logs/${logName(request)}" 2>&1`,
          `printf 'hpchub: job started on %s at ${BASH_NOW}\\n' "$HOSTNAME" -1`,
          // Same machine as the hub: the agent listens on loopback only.
          `export ${AGENT_TUNING_ENV.bind}=127.0.0.1 ${AGENT_TUNING_ENV.host}=127.0.0.1`,
        ],
      });
      const [command, ...args] = argv as [string, ...string[]];
      const child = spawn(command, args, { cwd, detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
      const spawned = await new Promise<number>((resolve, reject) => {
        child.once('spawn', () => resolve(child.pid as number));
        child.once('error', (err) =>
          reject(new HubError('unavailable', `The server could not be started: ${err.message}.`)),
        );
      });
      child.on('exit', (code, signal) => exits.set(spawned, { code, signal }));
      child.stdin?.on('error', () => {});
      child.stdin?.end(script);
      child.unref();
      const startTime = await processStartTime(spawned);
      if (startTime === null) {
        const exit = exits.get(spawned);
        throw new HubError(
          'unavailable',
          `The server process ended at once (exit code ${exit?.code ?? 'unknown'}).`,
        );
      }
      const state: LocalState = { kind: 'local', pid: spawned, pgid: spawned, startTime, host: hostname() };
      return { ...state };
    },

    poll,

    async pollMany(states) {
      return Promise.all(states.map(poll));
    },

    async stop(state) {
      if (!isLocalState(state) || !(await isAlive(state))) return;
      signalGroup(state.pgid, 'SIGTERM');
      if (await endsWithin(state, grace)) {
        // Whatever is left of the group (an app's child that ignored SIGTERM) is killed.
        signalGroup(state.pgid, 'SIGKILL');
        return;
      }
      // runuser, on SIGTERM, waits 2 s before it kills its child, so a short grace can run out
      // with it still alive; after SIGKILL the stop returns once the process has ended (or, a
      // process stuck in the kernel, after a bound: polls then see it end later).
      signalGroup(state.pgid, 'SIGKILL');
      await endsWithin(state, KILLED_WITHIN_MS);
    },
  };
}
