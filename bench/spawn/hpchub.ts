// hpchub on the Slurm spawner, started with the real CLI and its defaults (PAM, poll interval,
// timeouts), apart from where the apps live. One start: POST the user's default server, read
// the progress stream until ready, then GET /user/NAME/api/status through the hub's proxy
// until it answers 200.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import {
  BENCH_USER,
  Fatal,
  freePort,
  ROOT,
  type StartTiming,
  startProcess,
  stopProcess,
  tempDir,
  timeStart,
  VENV_BIN,
  waitFor,
  waitJobGone,
} from './common.js';
import { defaultServerLog, type HubShare, hubShare } from './hub-share.js';

const BIN = join(ROOT, 'packages/hub/bin/hpchub.js');
/** The job name hpchub gives JupyterLab jobs (`hpchub-<app>`). */
const JOB_NAME = 'hpchub-jupyterlab';
/** The same request JupyterHub's side makes: 1 core, 1 GB, 1 hour. */
export const HPCHUB_OPTIONS = { app: 'jupyterlab', cores: 1, memory_gb: 1, hours: 1 };

export class HpchubSide {
  private hub: ChildProcess | undefined;
  private base = '';
  private token = '';
  readonly dir = tempDir('hpchub-bench-spawn-');
  readonly log = join(this.dir, 'hub.log');

  private args(port: number): string[] {
    return [
      '--data-dir',
      join(this.dir, 'data'),
      '--ip',
      '127.0.0.1',
      '--port',
      String(port),
      '--auth-authenticator',
      'pam',
      '--spawner-kind',
      'slurm',
      '--spawner-path-prepend',
      VENV_BIN,
    ];
  }

  async start(): Promise<void> {
    // The agent is installed under the data dir; jobs run as the user, who must reach it.
    chmodSync(this.dir, 0o755);
    const port = await freePort();
    this.base = `http://127.0.0.1:${port}`;
    const args = this.args(port);
    execFileSync(process.execPath, [BIN, 'user', 'add', BENCH_USER, '--no-password', ...args], {
      stdio: 'pipe',
    });
    this.token = execFileSync(process.execPath, [BIN, 'token', 'create', BENCH_USER, ...args], {
      encoding: 'utf8',
    }).trim();
    const hub = startProcess(process.execPath, [BIN, 'start', ...args], { logFile: this.log });
    this.hub = hub;
    await waitFor('hpchub to answer', 60_000, async () => {
      if (hub.exitCode !== null) throw new Fatal(`hpchub exited with ${hub.exitCode}; see ${this.log}`);
      return (await fetch(`${this.base}/hub/api`)).ok ? true : undefined;
    });
  }

  private api(method: string, path: string, body?: unknown): Promise<Response> {
    return fetch(`${this.base}/hub/api${path}`, {
      method,
      headers: {
        authorization: `token ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  /** One start, timed from the request to ready and the app answering through the proxy. */
  spawn(timeoutMs: number): Promise<StartTiming> {
    return timeStart({
      who: 'hpchub',
      base: this.base,
      token: this.token,
      jobName: JOB_NAME,
      post: () => this.api('POST', `/users/${BENCH_USER}/server`, { user_options: HPCHUB_OPTIONS }),
      timeoutMs,
    });
  }

  /** The hub's own share of a start just timed (before its server is stopped); `home` is the user's. */
  share(timing: StartTiming, home: string): HubShare {
    return hubShare(timing, join(this.dir, 'data', 'hpchub.sqlite'), defaultServerLog(home));
  }

  /** Stops the server and waits until its job has left the queue. */
  async stopServer(jobId: string | null): Promise<void> {
    const res = await this.api('DELETE', `/users/${BENCH_USER}/server`);
    await res.arrayBuffer();
    if (res.status !== 204 && res.status !== 404) throw new Error(`hpchub stop: ${res.status}`);
    if (jobId) await waitJobGone(jobId);
  }

  async stop(): Promise<void> {
    if (this.hub) await stopProcess(this.hub);
  }
}
