// JupyterHub 5 with batchspawner's SlurmSpawner, the reference spawn path. The config is
// written here for this run (PAMAuthenticator, its own configurable-http-proxy and ports, an
// admin service token); the spawner keeps batchspawner's defaults (batch script, `srun`,
// `sudo -E -u {username}` as exec_prefix, 0.5 s startup poll) except the request itself:
// 1 core, 1 GB, 1 hour, as on hpchub's side, and a prologue that puts the venv on PATH (sudo's
// secure_path drops it) with PATH added to the variables srun passes on (req_keepvars_extra).
// One start: POST the user's server, read JupyterHub's progress stream until it says ready (as
// for hpchub), then GET /user/NAME/api/status through the proxy until it answers 200.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, rmSync, writeFileSync } from 'node:fs';
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

/** batchspawner's default job name. */
const JOB_NAME = 'spawner-jupyterhub';
export const JUPYTERHUB_REQUEST = { req_nprocs: '1', req_memory: '1G', req_runtime: '1:00:00' };

const py = (value: string) => JSON.stringify(value);

interface UserModel {
  servers?: Record<string, { ready?: boolean; pending?: string | null }>;
}

export class JupyterhubSide {
  private hub: ChildProcess | undefined;
  private base = '';
  private readonly token = randomBytes(24).toString('hex');
  readonly dir = tempDir('jupyterhub-bench-spawn-');
  readonly log = join(this.dir, 'jupyterhub.log');

  version(): string {
    return execFileSync(join(VENV_BIN, 'jupyterhub'), ['--version'], { encoding: 'utf8' }).trim();
  }

  private config(proxyPort: number, hubPort: number, apiPort: number): string {
    const d = (name: string) => py(join(this.dir, name));
    return [
      '# Written by bench/spawn/jupyterhub.ts for one benchmark run.',
      'c = get_config()  # noqa: F821',
      `c.JupyterHub.bind_url = 'http://127.0.0.1:${proxyPort}'`,
      "c.JupyterHub.hub_ip = '127.0.0.1'",
      `c.JupyterHub.hub_port = ${hubPort}`,
      `c.ConfigurableHTTPProxy.api_url = 'http://127.0.0.1:${apiPort}'`,
      `c.ConfigurableHTTPProxy.pid_file = ${d('proxy.pid')}`,
      `c.JupyterHub.pid_file = ${d('jupyterhub.pid')}`,
      `c.JupyterHub.db_url = 'sqlite:///' + ${d('jupyterhub.sqlite')}`,
      `c.JupyterHub.cookie_secret_file = ${d('cookie_secret')}`,
      "c.JupyterHub.authenticator_class = 'pam'",
      `c.Authenticator.allowed_users = {${py(BENCH_USER)}}`,
      `c.JupyterHub.services = [{'name': 'bench', 'api_token': ${py(this.token)}}]`,
      "c.JupyterHub.load_roles = [{'name': 'bench', 'scopes': ['admin:users', 'admin:servers', 'access:servers'], 'services': ['bench']}]",
      "c.JupyterHub.spawner_class = 'batchspawner.SlurmSpawner'",
      "c.Spawner.default_url = '/lab'",
      ...Object.entries(JUPYTERHUB_REQUEST).map(([key, value]) => `c.SlurmSpawner.${key} = ${py(value)}`),
      `c.SlurmSpawner.req_prologue = ${py(`export PATH=${VENV_BIN}:$PATH`)}`,
      // srun passes on only the variables in --export; without PATH the step cannot find the command.
      "c.SlurmSpawner.req_keepvars_extra = 'PATH'",
      '',
    ].join('\n');
  }

  async start(): Promise<void> {
    const [proxyPort, hubPort, apiPort] = [await freePort(), await freePort(), await freePort()];
    this.base = `http://127.0.0.1:${proxyPort}`;
    const configFile = join(this.dir, 'jupyterhub_config.py');
    writeFileSync(configFile, this.config(proxyPort, hubPort, apiPort));
    const env = {
      ...process.env,
      PATH: `${VENV_BIN}:${join(ROOT, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
    };
    const hub = startProcess(join(VENV_BIN, 'jupyterhub'), ['-f', configFile], {
      cwd: this.dir,
      env,
      logFile: this.log,
    });
    this.hub = hub;
    await waitFor(
      'JupyterHub to answer',
      90_000,
      async () => {
        if (hub.exitCode !== null) throw new Fatal(`JupyterHub exited with ${hub.exitCode}; see ${this.log}`);
        return (await this.api('GET', '/')).ok ? true : undefined;
      },
      250,
    );
    // The user is normally created from allowed_users at startup; create it otherwise.
    if ((await this.api('GET', `/users/${BENCH_USER}`)).status === 404) {
      const res = await this.api('POST', `/users/${BENCH_USER}`);
      if (!res.ok)
        throw new Error(`JupyterHub: cannot create ${BENCH_USER}: ${res.status} ${await res.text()}`);
    }
  }

  private api(method: string, path: string): Promise<Response> {
    return fetch(`${this.base}/hub/api${path}`, {
      method,
      headers: { authorization: `token ${this.token}` },
    });
  }

  private async server(): Promise<{ ready?: boolean; pending?: string | null } | undefined> {
    const res = await this.api('GET', `/users/${BENCH_USER}`);
    if (!res.ok) throw new Error(`JupyterHub user: ${res.status}`);
    return ((await res.json()) as UserModel).servers?.[''];
  }

  spawn(timeoutMs: number): Promise<StartTiming> {
    return timeStart({
      who: 'JupyterHub',
      base: this.base,
      token: this.token,
      jobName: JOB_NAME,
      post: () => this.api('POST', `/users/${BENCH_USER}/server`),
      timeoutMs,
    });
  }

  /** Stops the server, waits until the hub has no server and the job has left the queue. */
  async stopServer(jobId: string | null): Promise<void> {
    const res = await this.api('DELETE', `/users/${BENCH_USER}/server`);
    await res.arrayBuffer();
    if (![202, 204, 400, 404].includes(res.status)) throw new Error(`JupyterHub stop: ${res.status}`);
    await waitFor(
      'JupyterHub to stop the server',
      120_000,
      async () => ((await this.server()) ? undefined : true),
      250,
    );
    if (jobId) await waitJobGone(jobId);
  }

  async stop(): Promise<void> {
    if (this.hub) await stopProcess(this.hub, 20_000);
  }

  /** batchspawner's per-job logs of this run in the user's home. */
  jobLogs(home: string, jobIds: Iterable<string>): string[] {
    const ids = new Set(jobIds);
    let names: string[] = [];
    try {
      names = readdirSync(home);
    } catch {
      return [];
    }
    return names
      .filter((name) => ids.has(/^jupyterhub_slurmspawner_(\d+)\.log$/.exec(name)?.[1] ?? ''))
      .map((name) => join(home, name));
  }

  removeJobLogs(home: string, jobIds: Iterable<string>): void {
    for (const file of this.jobLogs(home, jobIds)) rmSync(file, { force: true });
  }
}
