// Faults injected into a hub on the real Slurm cluster (fault-lab.ts), shared by the fault test
// (which asserts that nothing went wrong) and `bench:faults` (which counts and times). Each
// scenario resolves with what it saw, `problems` listing everything that went wrong: a Slurm job
// no live server owns (an orphan), a server stuck where nobody moves it on, a start or stop that
// did not end as it should, an answer of 500 or more.
import { setTimeout as sleep } from 'node:timers/promises';
import { provisionSlurm, stopController } from '../spawn/slurm/test-support.js';
import type { FaultLab, LabServer } from './fault-lab.js';
import type { PrivatePostgres } from './private-postgres.js';

/** Where in a spawn the hub is killed. */
export type KillPoint = 'after_submit' | 'job_running' | 'ready_sent' | 'during_stop';
export const KILL_POINTS: readonly KillPoint[] = ['after_submit', 'job_running', 'ready_sent', 'during_stop'];

/** How long a server may take to settle after a fault before it counts as stuck. */
const SETTLE_MS = 120_000;

const seconds = (ms: number) => Math.round(ms / 100) / 10;

export interface Settled {
  /** How each server ended up: ready (serving through the proxy), stopped, or failed, with the reason. */
  outcomes: Record<string, string>;
  /** Time from the end of the fault until every server settled and no orphan was left; null if never. */
  recovered_s: number | null;
  /** Jobs seen without a live server meanwhile (an agent the hub refuses ends its job itself). */
  orphans_seen: number;
  /** Orphans left at the end. */
  orphans: string[];
  stuck: string[];
  /** Stops of ready servers (stopReady) that were not answered 204. */
  failed_stops: string[];
}

/**
 * Waits until each of `names` serves "tiny" through the proxy or is stopped, and no job of the
 * lab is an orphan. With `stopReady`, each server found serving is stopped (making room for the
 * next on a node of few cores). Servers that have not settled when none has for SETTLE_MS are stuck.
 */
export async function settle(
  lab: FaultLab,
  names: string[],
  options: { stopReady?: boolean } = {},
): Promise<Settled> {
  const since = Date.now();
  let progress = since;
  const outcomes: Record<string, string> = {};
  const failedStops: string[] = [];
  const seen = new Set<string>();
  let servers: LabServer[] = [];
  let orphans: string[] = [];
  for (;;) {
    servers = await lab.servers();
    orphans = await lab.orphans();
    for (const o of orphans) seen.add(/^job (\d+)/.exec(o)?.[1] ?? o);
    for (const name of names.filter((n) => outcomes[n] === undefined)) {
      const server = servers.find((s) => s.name === name);
      const serving = server?.status === 'running' && (await lab.open(name)).text === 'tiny';
      if (!serving && server?.status !== 'stopped') continue;
      outcomes[name] = outcomeOf(server);
      progress = Date.now();
      if (!serving || !options.stopReady) continue;
      const stopped = await lab.stop(name);
      if (stopped.status !== 204)
        failedStops.push(`stop ${name}: ${stopped.status} ${stopped.text.slice(0, 200)}`);
    }
    const all = Object.keys(outcomes).length === names.length;
    if (all && orphans.length === 0) {
      const recovered_s = seconds(Date.now() - since);
      return {
        outcomes,
        recovered_s,
        orphans_seen: seen.size,
        orphans,
        stuck: [],
        failed_stops: failedStops,
      };
    }
    if (Date.now() - progress > SETTLE_MS) break;
    await sleep(250);
  }
  const stuck: string[] = [];
  for (const name of names.filter((n) => outcomes[n] === undefined)) {
    const server = servers.find((s) => s.name === name);
    outcomes[name] = outcomeOf(server);
    stuck.push(
      server?.status === 'running'
        ? `server ${name} is running but does not answer through the proxy`
        : `server ${name} is still ${server?.status ?? 'missing'} ${seconds(SETTLE_MS)} s after the last change`,
    );
  }
  return { outcomes, recovered_s: null, orphans_seen: seen.size, orphans, stuck, failed_stops: failedStops };
}

function outcomeOf(server: LabServer | undefined): string {
  if (!server) return 'gone';
  if (server.status === 'running') return 'ready';
  if (server.status !== 'stopped') return server.status;
  return server.endReason === 'start_failure'
    ? `failed: ${server.endDetail}`
    : `stopped (${server.endReason})`;
}

export interface KillRound extends Omit<Settled, 'outcomes' | 'failed_stops'> {
  point: KillPoint;
  /** How the server ended up (see Settled). */
  outcome: string;
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
  const { outcomes, failed_stops: _none, ...settled } = await settle(lab, [name]);
  const outcome = outcomes[name] ?? 'gone';
  const expected = point === 'during_stop' ? /^stopped/ : /^(ready|failed: .+)$/;
  if (!expected.test(outcome)) problems.push(`${point}: ended ${outcome}`);
  return {
    point,
    landed,
    outcome,
    ...settled,
    problems: [...problems, ...settled.orphans, ...settled.stuck],
  };
}

/** Polls `check` every `everyMs` until it holds; throws after SETTLE_MS (a job may wait in the queue). */
async function until(what: string, check: () => Promise<boolean>, everyMs = 200): Promise<void> {
  const deadline = Date.now() + SETTLE_MS;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(everyMs);
  }
}

/** What an answer of 500 or more was, if it was not a clean one: 503 with the error body or page, no stack. */
function uncleanAnswer(answer: { status: number; text: string }): string | undefined {
  if (answer.status < 500) return undefined;
  const stack = /\n\s+at |node:internal|\.js:\d+:\d+/.test(answer.text);
  let clean = false;
  try {
    clean = typeof (JSON.parse(answer.text) as { message?: unknown }).message === 'string';
  } catch {
    clean = /^<!doctype html>/i.test(answer.text.trimStart());
  }
  if (answer.status === 503 && clean && !stack) return undefined;
  return `${answer.status}${stack ? ' with a stack' : ''}: ${answer.text.slice(0, 200)}`;
}

export interface ControllerRestart {
  spawns: number;
  /** How many ended each way (ready, failed with a message). */
  outcomes: Record<string, number>;
  /** The messages of the failed ones. */
  failures: string[];
  /** Answers to the start requests, by status. */
  start_answers: Record<string, number>;
  controller_down_s: number;
  /** From slurmctld answering again until the last start had ended. */
  all_ended_after_s: number;
  orphans_seen: number;
  orphans: string[];
  stuck: string[];
  problems: string[];
}

const tally = (values: string[]) =>
  values.reduce<Record<string, number>>((t, v) => {
    t[v] = (t[v] ?? 0) + 1;
    return t;
  }, {});

/**
 * `names` are started, each within a second, and slurmctld is stopped meanwhile, kept down
 * `downMs`, and started again the way provisioning starts it (always, also when this fails).
 * Every start must end ready, or failed with a message; each that is ready is checked through
 * the proxy and stopped, to make room for the next (the node has few cores).
 */
export async function controllerRestart(
  lab: FaultLab,
  names: string[],
  downMs: number,
): Promise<ControllerRestart> {
  const problems: string[] = [];
  const answers = Promise.all(
    names.map(async (name) => {
      await sleep(Math.random() * 1000);
      return lab.start(name);
    }),
  );
  await sleep(500 + Math.random() * 1000);
  const down = Date.now();
  let back = down;
  try {
    await stopController();
    await sleep(downMs);
  } finally {
    await provisionSlurm();
    back = Date.now();
  }
  const statuses: string[] = [];
  for (const [i, answer] of (await answers).entries()) {
    statuses.push(String(answer.status));
    const unclean = uncleanAnswer(answer);
    if (unclean) problems.push(`start ${names[i]}: ${unclean}`);
  }
  const settled = await settle(lab, names, { stopReady: true });
  for (const [name, outcome] of Object.entries(settled.outcomes))
    if (!/^(ready|failed: .+)$/.test(outcome)) problems.push(`${name}: ended ${outcome}`);
  return {
    spawns: names.length,
    outcomes: tally(
      Object.values(settled.outcomes).map((o) => o.replace(/^failed: .*/, 'failed with a message')),
    ),
    failures: [...new Set(Object.values(settled.outcomes).filter((o) => o.startsWith('failed')))],
    start_answers: tally(statuses),
    controller_down_s: seconds(back - down),
    all_ended_after_s: seconds(Date.now() - back),
    orphans_seen: settled.orphans_seen,
    orphans: settled.orphans,
    stuck: settled.stuck,
    problems: [...problems, ...settled.failed_stops, ...settled.orphans, ...settled.stuck],
  };
}

export interface PostgresRestart {
  /** Requests sent while the database was down (and restarting), by status. */
  during_outage: Record<string, number>;
  /** Those answered 500 or more other than a clean 503 (with what they said). */
  unclean: string[];
  outage_s: number;
  /** From PostgreSQL accepting connections again until every kind of request answered 200. */
  recovered_after_s: number | null;
  /** The hub's process was the same throughout (it recovered without a restart). */
  same_process: boolean;
  /** A server started after the outage became ready. */
  spawn_after: string;
  problems: string[];
}

/**
 * A hub on `postgres` (the lab's database) under a steady trickle of API, page and proxied
 * requests while PostgreSQL is stopped for `downMs` and started again. Server `name` runs
 * throughout; `after` is started once the database is back.
 */
export async function postgresRestart(
  lab: FaultLab,
  postgres: PrivatePostgres,
  name: string,
  after: string,
  downMs: number,
): Promise<PostgresRestart> {
  const problems: string[] = [];
  const started = await lab.start(name);
  if (started.status !== 202) problems.push(`start ${name}: ${started.status} ${started.text.slice(0, 200)}`);
  if (!(await lab.progress(name)).ready) problems.push(`${name} did not become ready before the outage`);
  const pid = lab.hub.pid;
  const home = await lab.page('/hub/home');
  if (home.status !== 200) problems.push(`the home page before the outage: ${home.status}`);
  /** One of each kind of request: the user's API, a page, the proxied server. */
  const round = () =>
    Promise.all([
      lab.api('GET', '/users/hpchub-alice').then((a) => ({ what: 'api', ...a })),
      lab.page('/hub/home').then((a) => ({ what: 'page', ...a })),
      lab.open(name).then((a) => ({ what: 'proxy', ...a })),
    ]);
  const during: { what: string; status: number; text: string }[] = [];
  let stopped = false;
  const load = (async () => {
    while (!stopped) {
      during.push(...(await round()));
      await sleep(100);
    }
  })();
  const down = Date.now();
  await postgres.down('fast');
  await sleep(downMs);
  await postgres.up();
  stopped = true;
  await load;
  const outage = Date.now() - down;
  const back = Date.now();
  let recovered: number | null = null;
  while (Date.now() - back < 60_000) {
    const answers = await round();
    if (answers.every((a) => a.status === 200)) {
      recovered = Date.now() - back;
      break;
    }
    await sleep(200);
  }
  if (recovered === null) problems.push('requests still failed a minute after PostgreSQL was back');
  const unclean = during.flatMap((a) => {
    const u = uncleanAnswer(a);
    return u ? [`${a.what} ${u}`] : [];
  });
  problems.push(...unclean.slice(0, 10));
  const same = lab.hub.pid === pid;
  if (!same) problems.push('the hub process was restarted');
  // The server of the outage makes room for the next start (the node has few cores, shared with other tests).
  const freed = await lab.stop(name);
  if (freed.status !== 204) problems.push(`stop ${name}: ${freed.status} ${freed.text.slice(0, 200)}`);
  const spawned = await lab.start(after);
  const end = spawned.status === 202 ? await lab.progress(after) : undefined;
  const spawnAfter = end
    ? end.ready
      ? 'ready'
      : `not ready: ${end.message ?? 'no end'}`
    : `${spawned.status}`;
  if (spawnAfter !== 'ready') problems.push(`a start after the outage: ${spawnAfter}`);
  return {
    during_outage: tally(during.map((a) => `${a.what} ${a.status}`)),
    unclean: unclean.slice(0, 10),
    outage_s: seconds(outage),
    recovered_after_s: recovered === null ? null : seconds(recovered),
    same_process: same,
    spawn_after: spawnAfter,
    problems,
  };
}

export interface AgentCutOff {
  cut_s: number;
  /** Requests through the proxy during the cut, and how many of them the app answered. */
  proxied: number;
  served: number;
  /** The server's status when the cut ended. */
  status_after_cut: string;
  /** From the hub reachable again until the agent's next message was answered; null if never. */
  reconnected_after_s: number | null;
  problems: string[];
}

/**
 * Server `name` runs; its agent cannot reach the hub for `cutMs` (lab.link), while its user keeps
 * using it through the proxy. The server must keep serving and stay running, and the agent's
 * next heartbeat after the cut must reach the hub.
 */
export async function agentCutOff(lab: FaultLab, name: string, cutMs: number): Promise<AgentCutOff> {
  const problems: string[] = [];
  const readySent = () => lab.agentLog(name).split('"ready_sent"').length;
  const before = readySent();
  const started = await lab.start(name);
  if (started.status !== 202) problems.push(`start ${name}: ${started.status} ${started.text.slice(0, 200)}`);
  if (!(await lab.progress(name)).ready) problems.push(`${name} did not become ready before the cut`);
  // The hub's answer to `ready` has reached the agent, which now sends heartbeats.
  await until(`the agent of ${name} to hear that it is ready`, async () => readySent() > before);
  const id = (await lab.servers()).find((s) => s.name === name)?.id;
  await lab.link.cut();
  const cutAt = Date.now();
  let proxied = 0;
  let served = 0;
  while (Date.now() - cutAt < cutMs) {
    proxied++;
    if ((await lab.open(name)).text === 'tiny') served++;
    await sleep(1000);
  }
  const status = (await lab.servers()).find((s) => s.name === name)?.status ?? 'gone';
  const since = lab.hub.logLines.length;
  await lab.link.mend();
  const mended = Date.now();
  let reconnected: number | null = null;
  while (Date.now() - mended < 5 * 60_000) {
    if (lab.agentMessageAnswered(`/hub/api/agent/servers/${id}/heartbeat`, since)) {
      reconnected = Date.now() - mended;
      break;
    }
    await sleep(200);
  }
  if (served < proxied) problems.push(`the app answered ${served} of ${proxied} requests during the cut`);
  if (status !== 'running') problems.push(`the server was ${status} at the end of the cut`);
  if (reconnected === null) problems.push('no heartbeat reached the hub within 5 minutes of the cut ending');
  return {
    cut_s: seconds(cutMs),
    proxied,
    served,
    status_after_cut: status,
    reconnected_after_s: reconnected === null ? null : seconds(reconnected),
    problems,
  };
}
