// The faults of issue 18 on the real components, counted (bench:faults alone, and at the end of
// bench:scale): the hub killed with SIGKILL at each point of a spawn, round after round, on the
// real Slurm cluster; slurmctld restarted during many starts; the agents cut off from the hub for
// minutes; PostgreSQL restarted under load. The scenarios are the fault test's
// (packages/hub/src/test-support/faults.ts); here they run many times, and every outcome, orphan,
// stuck server and time to recover is reported with the load average when it was taken.
//
// Environment: BENCH_FAULTS_KILL_ROUNDS (30), BENCH_FAULTS_CONTROLLER_SPAWNS (20),
// BENCH_FAULTS_CONTROLLER_DOWN_S (10), BENCH_FAULTS_AGENT_CUT_S (120), BENCH_FAULTS_PG_DOWN_S (10).
import { loadavg } from 'node:os';
import { FaultLab } from '../../packages/hub/src/test-support/fault-lab.js';
import {
  agentCutOff,
  controllerRestart,
  KILL_POINTS,
  type KillRound,
  killRound,
  postgresRestart,
} from '../../packages/hub/src/test-support/faults.js';
import { PrivatePostgres } from '../../packages/hub/src/test-support/private-postgres.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const load = () => loadavg().map((x) => Math.round(x * 100) / 100);
const say = (what: string) => console.error(`[bench:faults ${new Date().toISOString()}] ${what}`);

/** p50 and max of the figures that exist. */
function spread(values: (number | null)[]): { p50: number | null; max: number | null } {
  const known = values.filter((v): v is number => v !== null).sort((a, b) => a - b);
  return { p50: known[Math.floor((known.length - 1) / 2)] ?? null, max: known.at(-1) ?? null };
}

const tally = (values: string[]) =>
  values.reduce<Record<string, number>>((t, v) => {
    t[v] = (t[v] ?? 0) + 1;
    return t;
  }, {});

/** Kill rounds, the points taken in turn (shuffled), each round's figures and a summary per point. */
async function killRounds(lab: FaultLab, rounds: number) {
  const points = Array.from(
    { length: rounds },
    (_, i) => KILL_POINTS[i % KILL_POINTS.length] as KillRound['point'],
  );
  points.sort(() => Math.random() - 0.5);
  const results: (KillRound & { round: number; loadavg: number[] })[] = [];
  for (const [i, point] of points.entries()) {
    const name = `fault-bench-${i}`;
    say(`kill round ${i + 1}/${rounds}: ${point}`);
    const round = await killRound(lab, name, point).catch((err: Error) => ({
      point,
      landed: 'round aborted',
      outcome: 'round aborted',
      recovered_s: null,
      orphans_seen: 0,
      orphans: [],
      stuck: [],
      problems: [`the round could not run: ${err.message}`],
    }));
    results.push({ round: i + 1, ...round, loadavg: load() });
    // A ready server, or what an aborted round left, makes room for the next round.
    if (round.outcome === 'ready' || round.outcome === 'round aborted')
      await lab.stop(name).catch(() => undefined);
  }
  const byPoint = Object.fromEntries(
    KILL_POINTS.map((point) => {
      const of = results.filter((r) => r.point === point);
      return [
        point,
        {
          rounds: of.length,
          landed: tally(of.map((r) => r.landed)),
          outcomes: tally(of.map((r) => r.outcome.replace(/^failed: .*/, 'failed with a message'))),
          orphans_seen: of.reduce((n, r) => n + r.orphans_seen, 0),
          orphans_left: of.reduce((n, r) => n + r.orphans.length, 0),
          stuck: of.reduce((n, r) => n + r.stuck.length, 0),
          recovered_s: spread(of.map((r) => r.recovered_s)),
        },
      ];
    }),
  );
  return {
    rounds,
    rounds_with_problems: results.filter((r) => r.problems.length > 0).length,
    by_point: byPoint,
    problems: results.flatMap((r) => r.problems.map((p) => `round ${r.round} (${r.point}): ${p}`)),
    each: results,
  };
}

/** Every fault, one after the other; resolves with the `faults_real` section of scale.json. */
export async function realFaults() {
  const KILL_ROUNDS = env('BENCH_FAULTS_KILL_ROUNDS', 30);
  const SPAWNS = env('BENCH_FAULTS_CONTROLLER_SPAWNS', 20);
  const CONTROLLER_DOWN_S = env('BENCH_FAULTS_CONTROLLER_DOWN_S', 10);
  const CUT_S = env('BENCH_FAULTS_AGENT_CUT_S', 120);
  const PG_DOWN_S = env('BENCH_FAULTS_PG_DOWN_S', 10);
  const section: Record<string, unknown> = {
    method:
      'The real hub from the build (fault-hub.mjs: hpchub start’s code, whose Slurm client can stop dead after sbatch or before scancel so the hub is killed exactly there) in a process of its own, on SQLite; ' +
      'real Slurm (scripts/provision/slurm.sh), the real agent starting a tiny Node.js app as hpchub-alice in each job; the agents reach the hub through a TCP relay that can be cut. ' +
      'Kill points: after_submit (sbatch accepted, job id not saved), job_running (0–1 s after squeue shows RUNNING), ready_sent (as soon as the agent logs that it sends ready), during_stop (stop recorded, scancel not yet sent). ' +
      'After each fault, a server counts as settled when it serves through the proxy or is stopped, and no job of the run is left without a live server; stuck when it has not settled 120 s after the fault. ' +
      'slurmctld is stopped with SIGTERM during the starts and started again by slurm.sh; PostgreSQL is a private cluster stopped (fast) and started again under a trickle of API, page and proxied requests.',
  };
  say('faults on the real Slurm cluster');
  const lab = await FaultLab.start({ heartbeatSeconds: 10 });
  try {
    section.kill = { ...(await killRounds(lab, KILL_ROUNDS)), loadavg: load() };
    say(`slurmctld restarted during ${SPAWNS} starts`);
    const names = Array.from({ length: SPAWNS }, (_, i) => `fault-ctld-${i}`);
    section.controller_restart = {
      ...(await controllerRestart(lab, names, CONTROLLER_DOWN_S * 1000)),
      loadavg: load(),
    };
    say(`the agents cut off for ${CUT_S} s`);
    const cut = await agentCutOff(lab, 'fault-cut', CUT_S * 1000);
    await lab.stop('fault-cut');
    section.agent_cut_off = { heartbeat_s: 10, ...cut, loadavg: load() };
  } finally {
    await lab.close();
  }
  say('PostgreSQL restarted under load');
  const postgres = await PrivatePostgres.start();
  try {
    const pgLab = await FaultLab.start({ postgresUrl: postgres.url });
    try {
      section.postgres_restart = {
        ...(await postgresRestart(pgLab, postgres, 'fault-pg', 'fault-pg-after', PG_DOWN_S * 1000)),
        loadavg: load(),
      };
    } finally {
      await pgLab.close();
    }
  } finally {
    await postgres.stop();
  }
  return { ...section, goals: goals(section) };
}

/** Each fault's goal in the issue, met or not. */
function goals(section: Record<string, unknown>) {
  const kill = section.kill as Awaited<ReturnType<typeof killRounds>> | undefined;
  const controller = section.controller_restart as { problems: string[] } | undefined;
  const cut = section.agent_cut_off as { problems: string[] } | undefined;
  const postgres = section.postgres_restart as { problems: string[]; unclean: string[] } | undefined;
  return {
    kill_no_orphan_none_stuck: {
      figure_rounds_with_problems: kill?.rounds_with_problems ?? null,
      met: kill !== undefined && kill.rounds_with_problems === 0,
    },
    controller_restart_all_ready_or_clear_failure: {
      figure_problems: controller?.problems.length ?? null,
      met: controller !== undefined && controller.problems.length === 0,
    },
    agent_cut_off_keeps_serving_and_reconnects: {
      figure_problems: cut?.problems.length ?? null,
      met: cut !== undefined && cut.problems.length === 0,
    },
    postgres_restart_503_not_500_recovers_without_restart: {
      figure_unclean_answers: postgres?.unclean.length ?? null,
      met: postgres !== undefined && postgres.problems.length === 0,
    },
  };
}
