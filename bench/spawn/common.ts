// Shared pieces of the spawn benchmark: free ports, child processes and temporary directories
// that cleanup() removes, the benchmark's own Slurm jobs (tracked by id, cancelled by id only),
// a queue watcher that times each job's states, and a server-sent event reader.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { readEvents as readSse } from '../../packages/hub/src/test-support/hub.js';

const run = promisify(execFile);

export const ROOT = new URL('../../', import.meta.url).pathname;
export const VENV_BIN = '/opt/hpchub-test/venv/bin';
/** The test user whose servers both hubs start (alice is the e2e tests' main user). */
export const BENCH_USER = process.env.BENCH_SPAWN_USER ?? 'hpchub-bob';

const children = new Set<ChildProcess>();
const tempDirs: string[] = [];
/** Every Slurm job this benchmark caused, by id; cleanup() cancels those still queued. */
export const ownJobs = new Set<string>();

export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

/** Starts a long-running process with its output in `logFile`; cleanup() stops it. */
export function startProcess(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; logFile: string },
): ChildProcess {
  const fd = openSync(options.logFile, 'a');
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

export async function stopProcess(child: ChildProcess, graceMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** An error that ends waitFor() at once (others, such as a refused connection, mean "not yet"). */
export class Fatal extends Error {}

/** Polls `check` every `everyMs` until it returns a value, or throws after `ms`. */
export async function waitFor<T>(
  what: string,
  ms: number,
  check: () => Promise<T | undefined>,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check().catch((error: unknown) => {
      if (error instanceof Fatal) throw error;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export interface QueueJob {
  id: string;
  name: string;
  state: string;
  partition: string;
}

/** The user's jobs in the queue (squeue, one call). */
export async function queue(user = BENCH_USER): Promise<QueueJob[]> {
  const { stdout } = await run('squeue', ['-h', '-u', user, '-o', '%i|%j|%T|%P'], { timeout: 30_000 });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id = '', name = '', state = '', partition = ''] = line.split('|');
      return { id, name, state, partition };
    });
}

/**
 * Watches the queue during one start for the new job named `jobName` (a job that was not in
 * the queue before): when it was first seen and first seen RUNNING, in ms since `t0`.
 */
export class JobWatch {
  id: string | undefined;
  partition: string | undefined;
  seenMs: number | undefined;
  runningMs: number | undefined;
  private stopped = false;
  private t0 = 0;
  private loop: Promise<void> = Promise.resolve();

  private constructor(
    private readonly before: Set<string>,
    private readonly jobName: string,
  ) {}

  /** Notes the jobs queued now, which are not this start's. */
  static async prepare(jobName: string): Promise<JobWatch> {
    return new JobWatch(new Set((await queue()).map((j) => j.id)), jobName);
  }

  /** Starts watching; times are counted from `t0` (the request). */
  begin(t0: number): void {
    this.t0 = t0;
    this.loop = this.poll();
  }

  private async poll(): Promise<void> {
    while (!this.stopped && this.runningMs === undefined) {
      const jobs = await queue().catch(() => []);
      const job = jobs.find(
        (j) => j.name === this.jobName && !this.before.has(j.id) && (!this.id || j.id === this.id),
      );
      if (job) {
        if (!this.id) {
          this.id = job.id;
          this.partition = job.partition;
          this.seenMs = performance.now() - this.t0;
          ownJobs.add(job.id);
        }
        if (job.state === 'RUNNING') this.runningMs = performance.now() - this.t0;
      }
      await sleep(200);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }
}

/** Waits until the job has left the queue (squeue no longer lists it). */
export async function waitJobGone(id: string, ms = 120_000): Promise<void> {
  await waitFor(`job ${id} to leave the queue`, ms, async () =>
    (await queue()).some((j) => j.id === id) ? undefined : true,
  );
}

/** Reads a server-sent event stream until `until` holds for an event; returns the events with arrival times. */
async function readEvents<T>(
  url: string,
  headers: Record<string, string>,
  until: (event: T) => boolean,
  t0: number,
  timeoutMs: number,
): Promise<{ event: T; ms: number }[]> {
  const timed: { event: T; ms: number }[] = [];
  const events = await readSse<T>(url, headers, {
    until,
    timeoutMs,
    onEvent: (event) => timed.push({ event, ms: performance.now() - t0 }),
  });
  const last = events.at(-1);
  if (!last || !until(last)) throw new Error(`event stream ended before ready: ${JSON.stringify(events)}`);
  return timed;
}

/** GETs `url` until it answers 200; the time of that answer in ms since `t0`. */
async function until200(
  url: string,
  headers: Record<string, string>,
  t0: number,
  ms: number,
): Promise<number> {
  return waitFor(`${url} to answer 200`, ms, async () => {
    const res = await fetch(url, { headers, redirect: 'manual' });
    await res.arrayBuffer();
    return res.status === 200 ? performance.now() - t0 : undefined;
  });
}

/** Stops every process, cancels every own job still queued, removes the temporary directories. */
export async function cleanup(): Promise<void> {
  await Promise.all([...children].map((child) => stopProcess(child)));
  const queued = new Set((await queue().catch(() => [])).map((j) => j.id));
  const left = [...ownJobs].filter((id) => queued.has(id));
  if (left.length > 0) {
    console.error(`cancelling own jobs still queued: ${left.join(' ')}`);
    await run('scancel', left).catch((error: unknown) => console.error(`scancel failed: ${String(error)}`));
  }
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** One start as both sides measure it; times in seconds since the start request. */
export interface StartTiming {
  total_s: number;
  submitted_s: number | null;
  job_running_s: number | null;
  ready_event_s: number | null;
  /** hpchub only: the agent's "Starting APP" event, i.e. the agent runs and launches the app. */
  app_started_s?: number | null;
  status_200_s: number;
  job_id: string | null;
  partition: string | null;
  events?: { s: number; message: string }[];
  /** When the start request was sent, in ms since the epoch (to line up the hub's own timestamps). */
  request_epoch_ms: number;
}

/** The events of a JupyterHub-format progress stream (hpchub's and JupyterHub's own). */
interface ProgressEvent {
  progress?: number;
  message?: string;
  ready?: boolean;
  failed?: boolean;
}

const seconds = (ms: number | undefined) => (ms === undefined ? null : Math.round(ms) / 1000);

/**
 * Times one start on a JupyterHub-shaped API, the same way for both hubs: `post` asks for the
 * user's server, the hub's progress stream is read until it says ready, then the app's
 * /api/status must answer 200 through the hub's proxy. The Slurm job (by `jobName`) is watched
 * alongside for when it runs.
 */
export async function timeStart(hub: {
  who: string;
  base: string;
  token: string;
  jobName: string;
  post: () => Promise<Response>;
  timeoutMs: number;
}): Promise<StartTiming> {
  const watch = await JobWatch.prepare(hub.jobName);
  const t0 = performance.now();
  const requestEpochMs = performance.timeOrigin + t0;
  watch.begin(t0);
  const headers = { authorization: `token ${hub.token}` };
  try {
    const res = await hub.post();
    const submitted = performance.now() - t0;
    if (res.status !== 201 && res.status !== 202)
      throw new Error(`${hub.who} start: ${res.status} ${await res.text()}`);
    await res.arrayBuffer();
    const events = await readEvents<ProgressEvent>(
      `${hub.base}/hub/api/users/${BENCH_USER}/server/progress`,
      headers,
      (e) => Boolean(e.ready || e.failed),
      t0,
      hub.timeoutMs,
    );
    const last = events.at(-1);
    if (!last?.event.ready)
      throw new Error(`${hub.who} start failed: ${JSON.stringify(events.map((e) => e.event))}`);
    const status = await until200(`${hub.base}/user/${BENCH_USER}/api/status`, headers, t0, 60_000);
    const appStarted = events.find((e) => e.event.message?.startsWith('Starting '));
    return {
      total_s: seconds(status) ?? 0,
      submitted_s: seconds(submitted),
      job_running_s: seconds(watch.runningMs),
      ready_event_s: seconds(last.ms),
      app_started_s: seconds(appStarted?.ms),
      status_200_s: seconds(status) ?? 0,
      job_id: watch.id ?? null,
      partition: watch.partition ?? null,
      events: events.map((e) => ({ s: seconds(e.ms) ?? 0, message: e.event.message ?? '' })),
      request_epoch_ms: requestEpochMs,
    };
  } finally {
    await watch.stop();
  }
}
