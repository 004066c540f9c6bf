// Faults injected into a hub on the real Slurm cluster (fault-lab.ts), shared by the fault test
// (which asserts that nothing went wrong) and `bench:faults` (which counts and times). Each
// scenario resolves with what it saw, `problems` listing everything that went wrong: a Slurm job
// no live server owns (an orphan), a server stuck where nobody moves it on, a start or stop that
// did not end as it should, an answer of 500 or more.
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultLab, LabServer } from './fault-lab.js';

/** Where in a spawn the hub is killed. */
export type KillPoint = 'after_submit' | 'job_running' | 'ready_sent' | 'during_stop';
export const KILL_POINTS: readonly KillPoint[] = ['after_submit', 'job_running', 'ready_sent', 'during_stop'];

/** How long a server may take to settle after a fault before it counts as stuck. */
const SETTLE_MS = 120_000;

const seconds = (ms: number) => Math.round(ms / 100) / 10;

export interface Settled {
  /** How the server ended up: ready (serving through the proxy), stopped, or failed, with the reason. */
  outcome: string;
  /** Time from the end of the fault until the server settled and no orphan was left; null if never. */
  recovered_s: number | null;
  /** Jobs seen without a live server meanwhile (an agent the hub refuses ends its job itself). */
  orphans_seen: number;
  /** Orphans left at the end. */
  orphans: string[];
  stuck: string[];
}

/**
 * Waits until server `name` is running and serves "tiny" through the proxy, or is stopped, and
 * no job of the lab is an orphan; at most SETTLE_MS.
 */
export async function settle(lab: FaultLab, name: string, since = Date.now()): Promise<Settled> {
  const deadline = since + SETTLE_MS;
  let server: LabServer | undefined;
  let orphans: string[] = [];
  const seen = new Set<string>();
  for (;;) {
    server = (await lab.servers()).find((s) => s.name === name);
    orphans = await lab.orphans();
    for (const o of orphans) seen.add(/^job (\d+)/.exec(o)?.[1] ?? o);
    const serving = server?.status === 'running' && (await lab.open(name)).text === 'tiny';
    const settled = serving || server?.status === 'stopped';
    if (settled && orphans.length === 0) {
      const recovered_s = seconds(Date.now() - since);
      return { outcome: outcomeOf(server), recovered_s, orphans_seen: seen.size, orphans, stuck: [] };
    }
    if (Date.now() > deadline) break;
    await sleep(250);
  }
  const stuck =
    server && server.status !== 'stopped' && server.status !== 'running'
      ? [`server ${name} is still ${server.status} ${seconds(SETTLE_MS)} s after the fault`]
      : server?.status === 'running'
        ? [`server ${name} is running but does not answer through the proxy`]
        : [];
  return { outcome: outcomeOf(server), recovered_s: null, orphans_seen: seen.size, orphans, stuck };
}

function outcomeOf(server: LabServer | undefined): string {
  if (!server) return 'gone';
  if (server.status === 'running') return 'ready';
  if (server.status !== 'stopped') return server.status;
  return server.endReason === 'start_failure'
    ? `failed: ${server.endDetail}`
    : `stopped (${server.endReason})`;
}

export interface KillRound extends Settled {
  point: KillPoint;
  /** What the database said right after the restart: how far the spawn had got. */
  landed: string;
  problems: string[];
}

/**
 * One round: server `name` is started (and, for `during_stop`, then stopped) and the hub is
 * killed with SIGKILL at `point`, then started again. A start must end ready (or failed with a
 * message) and a stop stopped, without anyone pressing anything again.
 */
export async function killRound(lab: FaultLab, name: string, point: KillPoint): Promise<KillRound> {
  const problems: string[] = [];
  const checked = (what: string) => (answer: { status: number; text: string }) => {
    if (answer.status >= 500) problems.push(`${what}: ${answer.status} ${answer.text.slice(0, 200)}`);
  };
  // A request the kill cuts short never answers; that is the fault, not a problem.
  const cutShort = () => undefined;
  const since = lab.hub.logLines.length;
  if (point === 'during_stop') {
    const started = await lab.start(name);
    checked('start')(started);
    const ready = await lab.progress(name);
    if (!ready.ready) problems.push(`start before the stop did not end ready: ${JSON.stringify(ready)}`);
    lab.stopAt('cancel');
    void lab.stop(name).then(checked('stop'), cutShort);
    await lab.logged('fault point reached', since);
  } else if (point === 'after_submit') {
    lab.stopAt('submitted');
    void lab.start(name).then(checked('start'), cutShort);
    await lab.logged('fault point reached', since);
  } else {
    const started = await lab.start(name);
    checked('start')(started);
    if (point === 'job_running') {
      await until(`the job of ${name} to run`, async () => {
        const job = (await lab.servers()).find((s) => s.name === name)?.job;
        return (await lab.ourJobs()).some((j) => j.id === job && j.state === 'RUNNING');
      });
      await sleep(Math.random() * 1000);
    } else {
      // The agent logs "listening" right before it sends `ready`.
      await until(
        `the agent of ${name} to send ready`,
        async () => lab.agentLog(name).includes('"listening"'),
        5,
      );
    }
  }
  await lab.killHub();
  const after = (await lab.servers()).find((s) => s.name === name);
  const landed = after ? `${after.status}${after.job ? ' with job' : ' without job'}` : 'no row';
  const settled = await settle(lab, name);
  const expected = point === 'during_stop' ? /^stopped/ : /^(ready|failed: .+)$/;
  if (!expected.test(settled.outcome)) problems.push(`${point}: ended ${settled.outcome}`);
  return { point, landed, ...settled, problems: [...problems, ...settled.orphans, ...settled.stuck] };
}

/** Polls `check` every `everyMs` until it holds; throws after a minute. */
async function until(what: string, check: () => Promise<boolean>, everyMs = 200): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}
