// `npm run bench:spawn`: time from "start my server" to "ready and answering through the proxy"
// for hpchub and for JupyterHub + batchspawner, side by side on the same real Slurm, the same
// app (JupyterLab from /opt/hpchub-test/venv), the same user and the same request (1 core,
// 1 GB, 1 hour). Rounds alternate between the two; between rounds the server is stopped and
// its job has left the queue. Next to the ratio, hpchub's own share of each start (hub-share.ts:
// request → job submitted, job running → app launched, app answering → ready → first proxied
// byte), p50 over the rounds, goal under 150 ms. Writes bench/results/spawn.json (`--out FILE`:
// there instead; `npm run bench:scale` runs this benchmark as one of its parts that way) and ends
// with one JSON line.
//
// Environment: BENCH_SPAWN_ROUNDS (default 10 per hub), BENCH_SPAWN_USER (default hpchub-bob).
// Ten rounds, because JupyterHub's times spread from 2.5 to 7 s on a quiet machine (its own
// polling), and a median of five moved by a second from run to run.
// Needs root, `scripts/provision/slurm.sh up`, `scripts/provision/users.sh` and
// `scripts/provision/apps.sh` (venv with JupyterLab, JupyterHub, batchspawner; sudo).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, homedir, hostname, loadavg, totalmem, userInfo } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BENCH_USER, cleanup, ownJobs, ROOT, type StartTiming, VENV_BIN } from './common.js';
import { HPCHUB_OPTIONS, HpchubSide } from './hpchub.js';
import type { HubShare } from './hub-share.js';
import { JUPYTERHUB_REQUEST, JupyterhubSide } from './jupyterhub.js';

const ROUNDS = Number(process.env.BENCH_SPAWN_ROUNDS ?? 10);
/** Goal for the hub's own share of a start, at p50 over the rounds. */
const HUB_SHARE_GOAL_MS = 150;
const SPAWN_TIMEOUT_MS = 330_000;
const outAt = process.argv.indexOf('--out');
const OUT = outAt > 0 ? resolve(process.argv[outAt + 1] as string) : join(ROOT, 'bench/results/spawn.json');

interface Summary {
  median_s: number;
  min_s: number;
  max_s: number;
}

function summary(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { median_s: r(median), min_s: r(sorted[0] ?? 0), max_s: r(sorted.at(-1) ?? 0) };
}

/** Median of one phase (e.g. job_running_s) over the rounds that have it. */
function phase(
  rounds: StartTiming[],
  key: 'submitted_s' | 'job_running_s' | 'app_started_s' | 'ready_event_s',
): number | null {
  const values = rounds.map((r) => r[key]).filter((v): v is number => typeof v === 'number');
  return values.length ? summary(values).median_s : null;
}

/**
 * p50 of each part of the hub's share over the rounds (each part on its own, and the totals);
 * empty when no round could be read.
 */
function shareMedians(shares: HubShare[]): Partial<Record<keyof HubShare, number>> {
  const keys = Object.keys(shares[0] ?? {}) as (keyof HubShare)[];
  return Object.fromEntries(
    keys.map((k) => [k, Math.round(summary(shares.map((s) => s[k] / 1000)).median_s * 1000)]),
  ) as Partial<Record<keyof HubShare, number>>;
}

function preflight(): void {
  if (userInfo().uid !== 0)
    throw new Error('bench:spawn runs as root (both hubs submit jobs as the test user)');
  for (const file of [
    join(VENV_BIN, 'jupyter-lab'),
    join(VENV_BIN, 'jupyterhub'),
    join(VENV_BIN, 'batchspawner-singleuser'),
  ])
    if (!existsSync(file)) throw new Error(`${file} is missing — run: bash scripts/provision/apps.sh`);
  if (!existsSync(join(ROOT, 'node_modules/.bin/configurable-http-proxy')))
    throw new Error('configurable-http-proxy is missing — run: npm install');
  try {
    execFileSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
  } catch {
    throw new Error(
      'sudo is missing (batchspawner submits with `sudo -E -u USER`) — run: bash scripts/provision/apps.sh',
    );
  }
  execFileSync('bash', [join(ROOT, 'scripts/provision/slurm.sh'), 'up'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  execFileSync('id', [BENCH_USER], { stdio: 'ignore' });
}

function idleCpus(): string {
  // sinfo %C: allocated/idle/other/total CPUs.
  return execFileSync('sinfo', ['-h', '-o', '%C'], { encoding: 'utf8' }).trim().split('\n')[0] ?? '';
}

async function main(): Promise<void> {
  preflight();
  const hpchub = new HpchubSide();
  const jupyterhub = new JupyterhubSide();
  const home =
    execFileSync('getent', ['passwd', BENCH_USER], { encoding: 'utf8' }).split(':')[5] ?? homedir();
  try {
    await Promise.all([hpchub.start(), jupyterhub.start()]);
    const results: Record<
      'hpchub' | 'jupyterhub',
      (StartTiming & {
        round: number;
        cpus_before: string;
        hub_share_ms?: HubShare;
        /** Why the hub's share of this round could not be read (the round's time still counts). */
        hub_share_error?: string;
      })[]
    > = {
      hpchub: [],
      jupyterhub: [],
    };
    for (let round = 1; round <= ROUNDS; round++) {
      // Alternate which goes first, so neither always follows the other's teardown.
      const order = round % 2 ? (['hpchub', 'jupyterhub'] as const) : (['jupyterhub', 'hpchub'] as const);
      for (const name of order) {
        const side = name === 'hpchub' ? hpchub : jupyterhub;
        // slurmctld starts batch jobs from a once-a-second loop, so a job waits 0-1 s depending
        // on when in that second it is submitted. Rounds take a near-constant time, which would
        // give one hub the same lucky (or unlucky) moment every round; a random pause first
        // gives both the same spread of waits. Not counted.
        await sleep(Math.random() * 1000);
        const cpusBefore = idleCpus();
        const timing = await side.spawn(SPAWN_TIMEOUT_MS);
        let share: HubShare | undefined;
        let shareError: string | undefined;
        try {
          if (name === 'hpchub') share = hpchub.share(timing, home);
        } catch (error) {
          shareError = error instanceof Error ? error.message : String(error);
          console.error(`round ${round}: the hub's share could not be read: ${shareError}`);
        }
        results[name].push({
          round,
          cpus_before: cpusBefore,
          ...timing,
          ...(share && { hub_share_ms: share }),
          ...(shareError !== undefined && { hub_share_error: shareError }),
        });
        console.error(
          `round ${round} ${name}: ${timing.total_s.toFixed(2)} s (job running ${timing.job_running_s ?? '?'} s, ready ${timing.ready_event_s ?? '?'} s, job ${timing.job_id ?? '?'}${share ? `; hub's share ${share.total_ms} ms` : ''})`,
        );
        await side.stopServer(timing.job_id);
      }
    }
    const h = summary(results.hpchub.map((r) => r.total_s));
    const j = summary(results.jupyterhub.map((r) => r.total_s));
    const ratio = Math.round((h.median_s / j.median_s) * 1000) / 1000;
    const share = shareMedians(results.hpchub.flatMap((r) => (r.hub_share_ms ? [r.hub_share_ms] : [])));
    const machine = {
      hostname: hostname(),
      cpus: cpus().length,
      cpu_model: cpus()[0]?.model ?? '',
      mem_gib: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      slurm: execFileSync('sinfo', ['--version'], { encoding: 'utf8' }).trim(),
      jupyterhub: jupyterhub.version(),
    };
    const report = {
      benchmark: 'spawn',
      date: new Date().toISOString(),
      method_hub_share:
        "hpchub.hub_share_p50_ms: the parts of a start that are hpchub's own code, p50 of each part over the rounds " +
        '(total_ms: p50 of the per-round sums). From timestamps already recorded: the usage record (submitted_at, ' +
        "ready_at) in the hub's database, the agent's log (job script began: $EPOCHREALTIME exported by the job " +
        'script; agent process began; agent_starting; app_started; app_ready = first good answer to the ready probe), ' +
        "and the benchmark's clock (request sent, ready event seen, first 200 through the proxy). Not in it: Slurm " +
        "(submitted to job running) and the app's own start (launched to answering, which includes up to one " +
        "interval of the agent's ready probe).",
      method:
        'Time from POST /hub/api/users/NAME/server to (each hub’s own progress stream, /hub/api/users/NAME/server/progress, says ready) AND GET /user/NAME/api/status through the hub’s proxy answering 200. Same Slurm, user, app (JupyterLab, /opt/hpchub-test/venv) and request (1 core, 1 GB, 1 h); both hubs otherwise on their defaults. Rounds alternate; the server is stopped and its job has left the queue between rounds. job_running_s: first squeue sighting of the job as RUNNING (200 ms polling).',
      user: BENCH_USER,
      rounds: ROUNDS,
      hpchub_request: HPCHUB_OPTIONS,
      jupyterhub_request: JUPYTERHUB_REQUEST,
      hpchub: {
        ...h,
        hub_share_p50_ms: share,
        phases_median_s: {
          submitted: phase(results.hpchub, 'submitted_s'),
          job_running: phase(results.hpchub, 'job_running_s'),
          app_started: phase(results.hpchub, 'app_started_s'),
          ready_event: phase(results.hpchub, 'ready_event_s'),
        },
        rounds: results.hpchub,
      },
      jupyterhub: {
        ...j,
        phases_median_s: {
          submitted: phase(results.jupyterhub, 'submitted_s'),
          job_running: phase(results.jupyterhub, 'job_running_s'),
          ready_api: phase(results.jupyterhub, 'ready_event_s'),
        },
        rounds: results.jupyterhub,
      },
      hpchub_s: h.median_s,
      jupyterhub_s: j.median_s,
      ratio_vs_jupyterhub: ratio,
      target: 'ratio_vs_jupyterhub <= 0.5',
      meets_target: ratio <= 0.5,
      hub_share_p50_ms: share.total_ms ?? null,
      hub_share_target: `hub_share_p50_ms < ${HUB_SHARE_GOAL_MS}`,
      hub_share_meets_target: share.total_ms !== undefined && share.total_ms < HUB_SHARE_GOAL_MS,
      machine,
      loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
    };
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, `${JSON.stringify(report, null, 2)}\n`);
    console.log(
      JSON.stringify({
        benchmark: 'spawn',
        hpchub_s: h.median_s,
        jupyterhub_s: j.median_s,
        ratio_vs_jupyterhub: ratio,
        hub_share_p50_ms: share.total_ms ?? null,
        hpchub_min_max_s: [h.min_s, h.max_s],
        jupyterhub_min_max_s: [j.min_s, j.max_s],
        rounds: ROUNDS,
        machine: { cpus: machine.cpus, mem_gib: machine.mem_gib, slurm: machine.slurm },
        loadavg: report.loadavg,
      }),
    );
  } catch (error) {
    for (const log of [hpchub.log, jupyterhub.log, ...jupyterhub.jobLogs(home, ownJobs)])
      if (existsSync(log))
        console.error(
          `--- last lines of ${log}:\n${readFileSync(log, 'utf8').split('\n').slice(-40).join('\n')}`,
        );
    throw error;
  } finally {
    await hpchub.stop().catch(() => undefined);
    await jupyterhub.stop().catch(() => undefined);
    await cleanup();
    jupyterhub.removeJobLogs(home, ownJobs);
  }
}

for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    console.error(`${signal}: cleaning up`);
    void cleanup().finally(() => process.exit(130));
  });

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
