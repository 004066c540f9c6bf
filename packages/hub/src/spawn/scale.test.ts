// The hub at a centre's size, in the suite (the measured version is `npm run bench:scale`): the
// real hub in a process of its own on a simulated cluster (sim-cluster.ts: FakeSlurm with
// queueing delays and an squeue that costs more the more jobs it holds, simulated agents
// speaking the real protocol and serving a tiny app over TLS), on SQLite and PostgreSQL.
// 1,000 accounts, a class of 200 pressing Start at once, the hub killed with SIGKILL with
// servers running and queued, then killed at random moments of starts and stops. Correctness
// only — nothing lost, nothing started twice, no 5xx, one squeue per poll — never times.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SimCluster as Sim, type SimCluster } from '../test-support/sim-cluster.js';

const USERS = 1000;
const CLASS = 200;
const QUEUED = 50;
const FAULT_ROUNDS = 5;

const names = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `user${String(from + i).padStart(5, '0')}`);

/**
 * Where the hub, Slurm and the agents disagree, once they have settled: an agent refused by the
 * hub takes a moment to exit and end its job.
 */
async function settledProblems(sim: SimCluster): Promise<string[]> {
  let problems = await sim.problems();
  const deadline = Date.now() + 60_000;
  while (problems.length > 0 && Date.now() < deadline) {
    await sleep(500);
    problems = await sim.problems();
  }
  return problems;
}

/** Waits until `check` holds, polling; fails with `what` after `ms`. */
async function until(what: string, ms: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(200);
  }
}

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`a hub on ${engine} with ${USERS} users on a simulated cluster`, () => {
    let sim: SimCluster;
    let tokens: Map<string, string>;
    /** While true, new jobs wait in Slurm's queue until released. */
    let hold = false;
    /** Every status the hub answered a client with. */
    const statuses: number[] = [];
    const token = (user: string) => tokens.get(user) as string;

    before(async () => {
      sim = await Sim.start({
        engine,
        slurm: {
          queueDelayMs: () => (hold ? 3_600_000 : 100 + Math.random() * 900),
          queryCost: { baseMs: 5, perJobMs: 0.05 },
        },
        heartbeatSeconds: 5,
      });
      tokens = await sim.addUsers(names(1, USERS));
    });
    after(async () => {
      await sim?.stop();
    });

    /** Starts the users' servers at once and follows each to its end; every start must be accepted. */
    async function startAll(users: string[], within = 1000) {
      return Promise.all(
        users.map(async (user) => {
          await sleep(Math.random() * within);
          const answer = await sim.start(user, token(user));
          statuses.push(answer.status);
          assert.equal(answer.status, 202, `${user}: ${answer.text}`);
          return answer.body;
        }),
      );
    }

    async function readyAll(users: string[]) {
      const ends = await Promise.all(users.map((user) => sim.progress(user, token(user))));
      assert.deepEqual(
        ends
          .map((e, i) => (e?.ready ? 'ready' : `${users[i]}: ${JSON.stringify(e)}`))
          .filter((e) => e !== 'ready'),
        [],
      );
    }

    async function allServe(users: string[]) {
      const answers = await Promise.all(users.map((user) => sim.open(user, token(user))));
      statuses.push(...answers.map((a) => a.status));
      assert.deepEqual(
        answers
          .map((a, i) => (a.status === 200 && a.text === 'tiny' ? 'ok' : `${users[i]}: ${a.status}`))
          .filter((a) => a !== 'ok'),
        [],
      );
    }

    it(`a class of ${CLASS} pressing Start within a second: all accepted, all ready, each serves through the proxy`, async () => {
      const running = names(1, CLASS);
      await startAll(running);
      await readyAll(running);
      await allServe(running);
      assert.equal(sim.fleet.counts.ready, CLASS);
      assert.equal(sim.slurm.calls.submit, CLASS);
    });

    it('the admin lists the users page by page while the servers run', async () => {
      let offset = 0;
      let seen = 0;
      for (;;) {
        const page = await sim.api<{ name: string }[]>(
          sim.adminToken,
          'GET',
          `/users?limit=200&offset=${offset}`,
        );
        statuses.push(page.status);
        assert.equal(page.status, 200, page.text);
        if (page.body.length === 0) break;
        seen += page.body.length;
        offset += page.body.length;
      }
      assert.equal(seen, USERS + 1);
    });

    it(`one squeue per poll, for all ${CLASS} jobs at once`, async () => {
      const from = sim.slurm.queries.length;
      await sleep(4000);
      const window = sim.slurm.queries.slice(from);
      // poll_interval_seconds is 1: about four polls, each one query asking about every job.
      assert.ok(window.length >= 2 && window.length <= 5, `${window.length} queries in 4 s`);
      assert.deepEqual(new Set(window.map((q) => q.asked)), new Set([CLASS]));
    });

    it(`SIGKILL with ${CLASS} running and ${QUEUED} queued: every route serves again, none lost, none started twice`, async () => {
      hold = true;
      const queued = names(CLASS + 1, QUEUED);
      await startAll(queued, 0);
      await until(
        'every queued start is submitted',
        30_000,
        async () => sim.slurm.calls.submit === CLASS + QUEUED,
      );
      await sim.hub.killAndRestart();
      await allServe(names(1, CLASS));
      hold = false;
      for (const job of sim.slurm.jobs.values()) if (job.state === 'PENDING') sim.slurm.start(job);
      await readyAll(queued);
      await allServe(queued);
      assert.equal(sim.slurm.calls.submit, CLASS + QUEUED, 'no start was submitted twice');
      assert.deepEqual(await settledProblems(sim), []);
    });

    it(`${FAULT_ROUNDS} rounds of SIGKILL at a random moment of starts and stops: every server ends ready or stopped, no orphaned job`, async () => {
      let next = CLASS + QUEUED + 1;
      let stopFrom = 1;
      for (let round = 1; round <= FAULT_ROUNDS; round++) {
        const starting = names(next, 10);
        const stopping = names(stopFrom, 5);
        next += 10;
        stopFrom += 5;
        const work = Promise.allSettled([
          ...starting.map(async (user) => {
            await sleep(Math.random() * 500);
            return sim.start(user, token(user));
          }),
          ...stopping.map(async (user) => {
            await sleep(Math.random() * 500);
            return sim.stopServer(user, token(user));
          }),
        ]);
        await sleep(Math.random() * 800);
        await sim.hub.killAndRestart();
        // Requests cut short by the kill fail; the user presses again, as they would.
        for (const result of await work)
          if (result.status === 'fulfilled') assert.ok(result.value.status < 500, result.value.text);
        for (const user of starting) {
          const answer = await sim.start(user, token(user));
          assert.ok([201, 202, 400].includes(answer.status), `${user}: ${answer.status} ${answer.text}`);
        }
        for (const user of stopping) {
          const answer = await sim.stopServer(user, token(user));
          assert.ok(answer.status < 500, `${user}: ${answer.status} ${answer.text}`);
        }
        await readyAll(starting);
        await until(`round ${round}: the stopped servers are stopped`, 60_000, async () => {
          const servers = await sim.servers();
          return stopping.every((u) => servers.find((s) => s.user === u)?.status === 'stopped');
        });
        assert.deepEqual(await settledProblems(sim), [], `round ${round}`);
      }
    });

    it('no request was answered with a 5xx', () => {
      assert.deepEqual(
        statuses.filter((s) => s >= 500),
        [],
      );
    });
  });
}
