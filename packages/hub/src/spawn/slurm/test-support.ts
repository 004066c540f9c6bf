// Helpers for the end-to-end tests on the real Slurm cluster: a hub with PAM and the Slurm
// spawner (in-process, or as its own unprivileged process), a logged-in system user who calls
// the API like the web pages do, blocker jobs of another user, a look at the queue, and cleanup
// of every job and file a test made.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { HubConfig } from '../../config/index.js';
import type { HubContext } from '../../context.js';
import { requireSlurm } from '../../test-support/components.js';
import { type Browser, readEvents, TestHub } from '../../test-support/hub.js';
import { HubProcess, type HubProcessOptions } from '../../test-support/hub-process.js';
import type { TestSystemUser } from '../../test-support/system-users.js';
import type { ProgressEvent } from '../progress.js';
import { SLURM_OUTPUT } from './script.js';

const run = promisify(execFile);

/**
 * What these helpers need of a hub: its address, its login form and its database. Both the
 * in-process TestHub and a HubProcess (the hub as its own, unprivileged process) have them.
 */
export type HubUnderTest = Pick<TestHub, 'url' | 'login'> & { readonly hub: Pick<HubContext, 'db'> };

export const VENV_BIN = '/opt/hpchub-test/venv/bin';

export function requireJupyter(): void {
  if (!existsSync(`${VENV_BIN}/jupyter-lab`)) {
    throw new Error(`JupyterLab is not installed at ${VENV_BIN} — run: sudo bash scripts/provision/apps.sh`);
  }
}

/** The settings every Slurm end-to-end hub uses; `configure` adds a test's own. */
export function slurmConfig(config: HubConfig): void {
  config.auth.authenticator = 'pam';
  config.spawner.kind = 'slurm';
  config.spawner.poll_interval_seconds = 1;
  config.spawner.path_prepend = [VENV_BIN];
  config.spawner.start_timeout_seconds = 120;
  config.slurm.cluster_cache_seconds = 5;
}

const SLURM_SH = fileURLToPath(new URL('../../../../../scripts/provision/slurm.sh', import.meta.url));

/**
 * The cluster as scripts/provision/slurm.sh describes it now (both partitions), reusing it when
 * it is current (about a second); tests run as root, which the script needs to change anything.
 */
export async function provisionSlurm(): Promise<void> {
  await run('bash', [SLURM_SH, 'up'], { timeout: 180_000 });
  await requireSlurm();
}

export async function startSlurmHub(configure?: (config: HubConfig) => void): Promise<TestHub> {
  requireJupyter();
  await provisionSlurm();
  return TestHub.start({
    configure: (config) => {
      slurmConfig(config);
      configure?.(config);
    },
  });
}

/** The same hub as startSlurmHub, run as a process of its own by an unprivileged account. */
export async function startSlurmHubProcess(options: HubProcessOptions = {}): Promise<HubProcess> {
  requireJupyter();
  await provisionSlurm();
  return HubProcess.start({
    ...options,
    configure: (config) => {
      slurmConfig(config);
      options.configure?.(config);
    },
  });
}

export interface Answer<T = unknown> {
  status: number;
  body: T;
  text: string;
}

/** A user logged in through the login form (PAM), calling the API with their session like the pages do. */
export class Session {
  private constructor(
    readonly browser: Browser,
    private readonly xsrf: string,
    readonly name: string,
  ) {}

  static async login(hub: Pick<HubUnderTest, 'login'>, user: TestSystemUser): Promise<Session> {
    const browser = await hub.login(user.name, user.password);
    return new Session(browser, await browser.csrfToken(), user.name);
  }

  async api<T = unknown>(method: string, path: string, body?: unknown): Promise<Answer<T>> {
    const res = await this.browser.request(method, `/hub/api${path}`, {
      body: body === undefined ? undefined : JSON.stringify(body),
      headers: {
        accept: 'application/json',
        'x-xsrftoken': this.xsrf,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
    });
    let parsed: unknown = res.text;
    try {
      parsed = res.text ? JSON.parse(res.text) : null;
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed as T, text: res.text };
  }

  /** Posts a page's form (the spawn form, say) as the browser would, with the session's CSRF token. */
  postForm(path: string, fields: Record<string, string>) {
    return this.browser.postForm(path, { _xsrf: this.xsrf, ...fields });
  }

  /** Starts a server with these user_options; resolves with the answer (202 when accepted). */
  start(server: string, options: Record<string, unknown>): Promise<Answer<{ progress_url: string }>> {
    return this.api(
      'POST',
      server === '' ? `/users/${this.name}/server` : `/users/${this.name}/servers/${server}`,
      {
        user_options: options,
      },
    );
  }

  stop(server: string): Promise<Answer> {
    return this.api(
      'DELETE',
      server === '' ? `/users/${this.name}/server` : `/users/${this.name}/servers/${server}`,
    );
  }

  /** The progress stream of a start until `until` (default: ready or failed). */
  progress(
    hubUrl: string,
    server: string,
    options: { until?: (e: ProgressEvent) => boolean; timeoutMs?: number } = {},
  ): Promise<ProgressEvent[]> {
    const path = server === '' ? `/users/${this.name}/server` : `/users/${this.name}/servers/${server}`;
    return readEvents<ProgressEvent>(
      `${hubUrl}/hub/api${path}/progress`,
      { cookie: this.browser.cookieHeader() },
      {
        until: options.until ?? ((e) => Boolean(e.ready || e.failed)),
        timeoutMs: options.timeoutMs ?? 180_000,
      },
    );
  }
}

export interface QueueEntry {
  id: string;
  user: string;
  state: string;
  comment: string;
}

/** Every job Slurm still lists (ended ones for MinJobAge too). */
export async function queue(): Promise<QueueEntry[]> {
  const { stdout } = await run('squeue', ['--noheader', '--states=all', '--format=%i|%u|%T|%k'], {
    timeout: 30_000,
  });
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id = '', user = '', state = '', comment = ''] = line.split('|');
      return { id, user, state, comment };
    });
}

const ACTIVE = new Set(['PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED']);

export async function activeJobs(): Promise<QueueEntry[]> {
  return (await queue()).filter((j) => ACTIVE.has(j.state));
}

export async function jobState(id: string): Promise<string | undefined> {
  return (await queue()).find((j) => j.id === id)?.state;
}

/** Polls `check` until it returns a value (not undefined), at most `ms`. */
export async function waitFor<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

/** CPUs of the test node (scripts/provision/slurm.sh: nproc, or HPCHUB_SLURM_CPUS). */
export function nodeCpus(): number {
  return Number(execFileSync('sinfo', ['-h', '-p', 'normal', '-o', '%c'], { encoding: 'utf8' }).trim());
}

/** A job of `user` that just holds `cores` cores for an hour (a time limit lets Slurm estimate starts). */
export async function submitBlocker(user: string, cores: number): Promise<string> {
  const { stdout } = await run('runuser', [
    '-u',
    user,
    '--',
    'sbatch',
    '--parsable',
    '--job-name=hpchub-test-blocker',
    '--output=/dev/null',
    '--chdir=/tmp',
    `--cpus-per-task=${cores}`,
    '--mem=100M',
    '--time=1:00:00',
    '--wrap',
    'sleep 3600',
  ]);
  return stdout.trim().split(';')[0] as string;
}

/**
 * Cancels jobs (as root) and waits until none of them holds resources any more, cancelling again
 * while the controller does not answer (other tests restart it), for up to two minutes.
 */
export async function cancelJobs(ids: string[]): Promise<void> {
  const wanted = ids.filter((id) => /^\d+$/.test(id));
  if (wanted.length === 0) return;
  await run('scancel', wanted).catch(() => undefined);
  await waitFor('the jobs to leave the queue', 120_000, async () => {
    const left = await activeJobs().then(
      (jobs) => jobs.some((j) => wanted.includes(j.id)),
      () => true,
    );
    if (!left) return true;
    await run('scancel', wanted).catch(() => undefined);
    return undefined;
  }).catch(() => undefined);
}

/** Changes a job's time limit as an admin would (`scontrol update`, as root), e.g. to `2` minutes. */
export async function setTimeLimit(id: string, limit: string): Promise<void> {
  await run('scontrol', ['update', `JobId=${id}`, `TimeLimit=${limit}`], { timeout: 30_000 });
}

/** Job ids the hub has recorded for its servers. */
export async function hubJobIds(hub: HubUnderTest): Promise<string[]> {
  const rows = await hub.hub.db.selectFrom('servers').select('spawner_state').execute();
  return rows.flatMap((r) => {
    const state = JSON.parse(r.spawner_state) as { job?: unknown };
    return typeof state.job === 'string' ? [state.job] : [];
  });
}

/** The job id of one of the hub's servers. */
export async function jobOf(hub: HubUnderTest, server: string): Promise<string> {
  const row = await hub.hub.db
    .selectFrom('servers')
    .select('spawner_state')
    .where('name', '=', server)
    .executeTakeFirstOrThrow();
  const job = (JSON.parse(row.spawner_state) as { job?: string }).job;
  if (!job) throw new Error(`server "${server}" has no Slurm job`);
  return job;
}

/** Removes what the tests' jobs wrote into a user's home: the Slurm output and the servers' logs. */
export function removeJobFiles(home: string, servers: string[]): void {
  rmSync(join(home, SLURM_OUTPUT), { force: true });
  for (const server of servers)
    rmSync(join(home, '.hpchub', 'logs', `${server || 'default'}.log`), { force: true });
}

/** slurmctld's pid, from the pid file slurm.sh configures. */
export function slurmctldPid(): number | undefined {
  try {
    const pid = Number(execFileSync('cat', ['/run/slurmctld.pid'], { encoding: 'utf8' }).trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether slurmctld answers `scontrol ping`. */
export async function controllerAnswers(): Promise<boolean> {
  return run('scontrol', ['ping'], { timeout: 15_000 }).then(
    ({ stdout }) => /is UP/.test(stdout),
    () => false,
  );
}

/**
 * Stops slurmctld (SIGTERM, as its service manager would) and waits until it no longer answers.
 * Callers start it again with provisionSlurm(), in a `finally`: other tests share the cluster.
 */
export async function stopController(): Promise<void> {
  const pid = slurmctldPid();
  if (!pid) throw new Error('slurmctld does not run (no pid file of scripts/provision/slurm.sh)');
  process.kill(pid, 'SIGTERM');
  await waitFor('slurmctld to stop answering', 60_000, async () =>
    (await controllerAnswers()) ? undefined : true,
  );
}
