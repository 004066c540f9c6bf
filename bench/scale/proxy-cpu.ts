// The hub's CPU per proxied request, measured the same way at one route and at 2,000: the same
// warm-up (enough requests for the JIT to have compiled the proxy's path), then rounds, each a
// busy stretch of requests to one user's server followed by an idle stretch of the same length
// (the hub's own background: polls, agents' heartbeats), the figure being the median over the
// rounds of busy minus idle CPU. CPU is the kernel's count of nanoseconds run by every thread of
// the hub's process (/proc/PID/task/*/schedstat), not the 10 ms ticks of /proc/PID/stat.
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SimClass } from '../../packages/hub/src/test-support/sim-class.js';
import type { SimCluster } from '../../packages/hub/src/test-support/sim-cluster.js';
import { machineSnapshot, othersCpuPercent } from '../proxy/cpu.js';
import { load } from './measure.js';
import { percentile } from './mixed.js';

const WARM_UP = 10_000;
const ROUNDS = 5;
const PER_ROUND = 4000;
const CONCURRENCY = 16;

/** Nanoseconds every thread of a process has run so far. */
function cpuNs(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return ns;
}

export async function proxyCpu(sim: SimCluster, users: SimClass, user: string) {
  const pid = sim.hub.pid;
  const url = `${sim.url}/user/${user}/`;
  const headers = { authorization: `token ${users.token(user)}` };
  let errors = 0;
  const send = async (count: number) => {
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < count) {
          next += 1;
          const res = await fetch(url, { headers });
          await res.text();
          if (res.status !== 200) errors += 1;
        }
      }),
    );
  };
  await send(WARM_UP);
  errors = 0;
  const machine = machineSnapshot();
  const rounds: { gross_us: number; background_us: number; net_us: number; requests_per_s: number }[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const busyFrom = cpuNs(pid);
    const t0 = performance.now();
    await send(PER_ROUND);
    const elapsed = performance.now() - t0;
    const gross = (cpuNs(pid) - busyFrom) / 1000 / PER_ROUND;
    const idleFrom = cpuNs(pid);
    await sleep(elapsed);
    const background = (cpuNs(pid) - idleFrom) / 1000 / PER_ROUND;
    rounds.push({
      gross_us: Math.round(gross),
      background_us: Math.round(background),
      net_us: Math.round(gross - background),
      requests_per_s: Math.round((PER_ROUND / elapsed) * 1000),
    });
  }
  const median = (values: number[]) =>
    percentile(
      [...values].sort((a, b) => a - b),
      50,
    );
  return {
    warm_up_requests: WARM_UP,
    rounds_of_requests: `${ROUNDS} × ${PER_ROUND}, ${CONCURRENCY} at a time`,
    errors,
    cpu_us_per_request: median(rounds.map((r) => r.gross_us)),
    background_cpu_us_per_request: median(rounds.map((r) => r.background_us)),
    net_cpu_us_per_request: median(rounds.map((r) => r.net_us)),
    rounds,
    others_cpu_percent: othersCpuPercent(machine),
    loadavg: load(),
  };
}
