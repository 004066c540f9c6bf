// CPU time the processes of a configuration use while wrk runs, read from /proc: on a small
// machine every process of a path competes for the same cores, so req/s alone does not say
// which hop costs what. Reported as CPU microseconds per request, per component.
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** A component of a path: fixed pids, or every process of a process group (a job). */
export type Component = { pids: number[] } | { pgid: number };

/** utime + stime of a process in ticks (0 when it is gone). */
function ticks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat(5); the slice starts at field 3.
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** Processes whose process group is `pgid`. */
function groupMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) === pgid) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function pidsOf(c: Component): number[] {
  return 'pids' in c ? c.pids : groupMembers(c.pgid);
}

/** Per component: ticks so far, for each of its processes. */
export function cpuSnapshot(components: Record<string, Component>): Record<string, Map<number, number>> {
  return Object.fromEntries(
    Object.entries(components).map(([name, c]) => [name, new Map(pidsOf(c).map((pid) => [pid, ticks(pid)]))]),
  );
}

/** CPU microseconds per request of each component (and their total) between two snapshots. */
export function cpuPerRequest(
  before: Record<string, Map<number, number>>,
  components: Record<string, Component>,
  requests: number,
): Record<string, number> {
  const perRequest: Record<string, number> = {};
  let total = 0;
  for (const [name, c] of Object.entries(components)) {
    let used = 0;
    for (const pid of pidsOf(c)) used += ticks(pid) - (before[name]?.get(pid) ?? 0);
    const us = (used / TICKS_PER_SECOND / Math.max(1, requests)) * 1e6;
    perRequest[name] = Math.round(us);
    total += us;
  }
  perRequest.total = Math.round(total);
  return perRequest;
}

/** Busy and elapsed ticks of the whole machine (all CPUs), from /proc/stat. */
function machineTicks(): { busy: number; all: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const all = v.reduce((a, b) => a + b, 0);
  // idle and iowait are not busy
  return { busy: all - (v[3] ?? 0) - (v[4] ?? 0), all };
}

/**
 * CPU ticks used by this process and all its descendants: live ones (utime + stime) and the
 * ones that ended and were waited for (cutime + cstime of their parent) — wrk, the hub, the
 * peers, the job the hub's spawner started and the app the agent started are all in it.
 */
function ownTicks(): number {
  const parents = new Map<number, number>();
  const used = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(f[1]));
      used.set(Number(entry), Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]));
    } catch {
      // gone meanwhile
    }
  }
  let total = 0;
  for (const [pid, ticksUsed] of used) {
    for (let p: number | undefined = pid; p !== undefined && p > 1; p = parents.get(p)) {
      if (p === process.pid) {
        total += ticksUsed;
        break;
      }
    }
  }
  return total;
}

export interface MachineSnapshot {
  machine: { busy: number; all: number };
  own: number;
}

export function machineSnapshot(): MachineSnapshot {
  return { machine: machineTicks(), own: ownTicks() };
}

/**
 * Share of the machine's CPU (percent of all cores) that work other than this benchmark used
 * since the snapshot: other test suites running at the same time make a round's numbers noisy.
 */
export function othersCpuPercent(before: MachineSnapshot): number {
  const now = machineSnapshot();
  const elapsed = now.machine.all - before.machine.all;
  const others = now.machine.busy - before.machine.busy - (now.own - before.own);
  return elapsed > 0 ? Math.max(0, Math.round((others / elapsed) * 100)) : 0;
}
