// `npm run bench:surge`: a class of 100 presses "Start" within one second on a hub with the local
// spawner and a tiny app (ready in a fraction of a second), in three ways, one after the other in
// this one run, on fresh hubs that differ in nothing else (the real `hpchub start`, SQLite,
// defaults, as an unprivileged account):
// - line: the default; past spawner.concurrent_spawns a start waits in line.
// - refuse_and_retry_30: the 429-and-retry behaviour of the original report, reproduced: the line
//   turned off (spawner.start_line_max 0), so past the slots a start is refused with 429, exactly
//   where that hub refused it, and the client comes back after 30 s, the Retry-After that hub
//   always sent.
// - refuse_and_retry: the same hub, the client honouring the Retry-After it is sent now
//   (computed from how fast starts go through).
// Reports the time until the last student is in the app for each, and the ratios of the line to
// the two others. The order of the modes rotates from round to round. Writes
// bench/results/surge.json and ends with one JSON line.
//
// Environment: BENCH_SURGE_USERS (default 100), BENCH_SURGE_ROUNDS (default 3, so each mode goes first once).
// Needs `scripts/provision/users.sh` (the hub's account) and a build (`npm run build`).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { HubProcess } from '../../packages/hub/src/test-support/hub-process.js';
import { TINY_APP, writeTinyApps } from '../../packages/hub/src/test-support/tiny-app.js';
import { round, type Student, type StudentTiming, surge } from './class.js';

const USERS = Number(process.env.BENCH_SURGE_USERS ?? 100);
const ROUNDS = Number(process.env.BENCH_SURGE_ROUNDS ?? 3);
const ROOT = new URL('../../', import.meta.url).pathname;

/** Each mode: the hub's line bound, and how long the client waits after a 429. */
const MODES = {
  line: { start_line_max: 1000, retry: (seconds: number) => seconds },
  refuse_and_retry_30: { start_line_max: 0, retry: (_seconds: number) => 30 },
  refuse_and_retry: { start_line_max: 0, retry: (seconds: number) => seconds },
} as const;
type Mode = keyof typeof MODES;
const ORDER = Object.keys(MODES) as Mode[];

interface RoundResult {
  round: number;
  mode: Mode;
  concurrent_spawns: number;
  start_line_max: number;
  last_in_app_s: number;
  median_in_app_s: number;
  refused_answers: number;
  students_refused: number;
  retry_after_s: { min: number; max: number } | null;
  longest_line: number;
  students: StudentTiming[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function api<T>(
  hub: HubProcess,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<T> {
  const res = await fetch(`${hub.url}/hub/api${path}`, {
    method,
    headers: { authorization: `token ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

async function runMode(mode: Mode, round_: number, appsFile: string): Promise<RoundResult> {
  const hub = await HubProcess.start({
    configure: (c) => {
      c.log.level = 'info';
      c.apps.file = appsFile;
      c.apps.enabled = [TINY_APP];
      c.spawner.start_line_max = MODES[mode].start_line_max;
    },
  });
  const config = { concurrent_spawns: 20, start_line_max: MODES[mode].start_line_max };
  const admin = await hub.tokenFor('admin', ['admin']);
  const names = Array.from({ length: USERS }, (_, i) => `student${String(i + 1).padStart(3, '0')}`);
  try {
    await api(hub, admin, 'POST', '/users', { usernames: names });
    const students: Student[] = [];
    for (const user of names) {
      const { token } = await api<{ token: string }>(hub, admin, 'POST', `/users/${user}/tokens`, {});
      students.push({ user, token });
    }
    const timings = await surge(hub.url, students, TINY_APP, MODES[mode].retry);
    const retries = timings.flatMap((t) => t.retry_after_s);
    return {
      round: round_,
      mode,
      ...config,
      last_in_app_s: Math.max(...timings.map((t) => t.in_app_s)),
      median_in_app_s: round(median(timings.map((t) => t.in_app_s))),
      refused_answers: retries.length,
      students_refused: timings.filter((t) => t.refusals > 0).length,
      retry_after_s: retries.length ? { min: Math.min(...retries), max: Math.max(...retries) } : null,
      longest_line: Math.max(0, ...timings.map((t) => t.line_position ?? 0)),
      students: timings,
    };
  } finally {
    // The servers outlive the hub by design: stop each one first.
    for (const user of names)
      await api(hub, admin, 'DELETE', `/users/${user}/server`).catch((err: Error) =>
        console.error(`stopping ${user}'s server: ${err.message}`),
      );
    await hub.stop();
  }
}

async function main(): Promise<void> {
  const appsDir = mkdtempSync(join(tmpdir(), 'hpchub-bench-surge-'));
  try {
    const appsFile = writeTinyApps(appsDir);
    const rounds: RoundResult[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      const order = [...ORDER.slice((r - 1) % ORDER.length), ...ORDER.slice(0, (r - 1) % ORDER.length)];
      for (const mode of order) {
        const result = await runMode(mode, r, appsFile);
        rounds.push(result);
        console.error(
          `round ${r} ${mode}: last in the app after ${result.last_in_app_s} s (median ${result.median_in_app_s} s), ${result.refused_answers} answers 429, longest line ${result.longest_line}`,
        );
      }
    }
    const last = (mode: Mode) =>
      round(median(rounds.filter((r) => r.mode === mode).map((r) => r.last_in_app_s)));
    const line = last('line');
    const retry30 = last('refuse_and_retry_30');
    const retry = last('refuse_and_retry');
    const report = {
      benchmark: 'surge',
      date: new Date().toISOString(),
      method:
        `${USERS} users each press Start (POST /hub/api/users/NAME/server, app ${TINY_APP}: Node.js answering on its port, started by the real agent with the local spawner) at a random moment within the same second; ` +
        'each follows its progress stream until ready and then GETs its server through the hub’s proxy (200 "tiny"). ' +
        'line: hpchub’s defaults (concurrent_spawns 20, start_line_max 1000). ' +
        'refuse_and_retry_30: the same with start_line_max 0, so a start past the 20 slots is answered 429, and the client sends it again after 30 s, the constant Retry-After of the hub in the original report. ' +
        'refuse_and_retry: the same hub, the client waiting the Retry-After the hub now computes from the pace of starts. ' +
        'A fresh hub (`hpchub start`, SQLite, as the unprivileged hub account) per mode and round; the order of the modes rotates. Times are seconds from the moment the class may press Start; the figure per mode is the median over rounds of the time until the last student is in the app.',
      users: USERS,
      rounds: ROUNDS,
      line_last_in_app_s: line,
      refuse_and_retry_30_last_in_app_s: retry30,
      refuse_and_retry_last_in_app_s: retry,
      ratio_line_vs_refuse_and_retry_30: round(line / retry30),
      ratio_line_vs_refuse_and_retry: round(line / retry),
      target: 'ratio_line_vs_refuse_and_retry_30 < 0.5 (the behaviour the issue measured)',
      meets_target: line / retry30 < 0.5,
      all_ready_none_refused_with_line: rounds
        .filter((r) => r.mode === 'line')
        .every((r) => r.refused_answers === 0 && r.students.length === USERS),
      machine: {
        hostname: hostname(),
        cpus: cpus().length,
        cpu_model: cpus()[0]?.model ?? '',
        mem_gib: Math.round(totalmem() / 2 ** 30),
        node: process.version,
      },
      loadavg: loadavg().map((x) => Math.round(x * 100) / 100),
      results: rounds,
    };
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/surge.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(
      JSON.stringify({
        benchmark: 'surge',
        users: USERS,
        rounds: ROUNDS,
        line_last_in_app_s: line,
        refuse_and_retry_30_last_in_app_s: retry30,
        refuse_and_retry_last_in_app_s: retry,
        ratio_line_vs_refuse_and_retry_30: report.ratio_line_vs_refuse_and_retry_30,
        ratio_line_vs_refuse_and_retry: report.ratio_line_vs_refuse_and_retry,
        per_round: rounds.map((r) => ({
          round: r.round,
          mode: r.mode,
          last_s: r.last_in_app_s,
          refused: r.refused_answers,
        })),
        loadavg: report.loadavg,
      }),
    );
  } finally {
    rmSync(appsDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
});
