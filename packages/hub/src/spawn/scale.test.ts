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
import { SimClass } from '../test-support/sim-class.js';
import { SimCluster as Sim, type SimCluster } from '../test-support/sim-cluster.js';

const USERS = 1000;
const CLASS = 200;
const QUEUED = 50;
const FAULT_ROUNDS = 5;

const names = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `user${String(from + i).padStart(5, '0')}`);

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
    let users: SimClass;
    /** While true, new jobs wait in Slurm's queue until released. */
    let hold = false;

    before(async () => {
      sim = await Sim.start({
        engine,
        slurm: {
          queueDelayMs: () => (hold ? 3_600_000 : 100 + Math.random() * 900),
          queryCost: { baseMs: 5, perJobMs: 0.05 },
        },
        heartbeatSeconds: 5,
      });
      users = new SimClass(sim, await sim.addUsers(names(1, USERS)));
    });
    after(async () => {
      await sim?.stop();
    });

    /** The users press Start within `within` ms; every start must be accepted. */
    async function startAll(class_: string[], within = 1000) {
      const answers = await users.pressStart(class_, within);
      assert.deepEqual(
        answers.flatMap((a, i) => (a.status === 202 ? [] : [`${class_[i]}: ${a.status} ${a.text}`])),
        [],
      );
    }

    it(`a class of ${CLASS} pressing Start within a second: all accepted, all ready, each serves through the proxy`, async () => {
      const running = names(1, CLASS);
      await startAll(running);
      assert.deepEqual(await users.notReady(running), []);
      assert.deepEqual(await users.notServing(running), []);
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
        users.statuses.push(page.status);
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
      // Submitted, and the job saved by the hub (a kill between the two is a fault round's case).
      await until(
        'every queued start is submitted and its job saved',
        30_000,
        async () => sim.slurm.calls.submit === CLASS + QUEUED && (await sim.launching()) === 0,
      );
      await sim.hub.killAndRestart();
      assert.deepEqual(await users.notServing(names(1, CLASS)), []);
      hold = false;
      sim.runQueuedJobs();
      assert.deepEqual(await users.notReady(queued), []);
      assert.deepEqual(await users.notServing(queued), []);
      assert.equal(sim.slurm.calls.submit, CLASS + QUEUED, 'no start was submitted twice');
      assert.deepEqual(await users.settledProblems(), []);
    });

    it(`${FAULT_ROUNDS} rounds of SIGKILL at a random moment of starts and stops: every server ends ready or stopped, no orphaned job`, async () => {
      let next = CLASS + QUEUED + 1;
      for (let round = 1; round <= FAULT_ROUNDS; round++) {
        const starting = names(next, 10);
        const stopping = names(1 + (round - 1) * 5, 5);
        next += 10;
        assert.deepEqual(
          await users.killedDuring(starting, stopping, Math.random() * 800),
          [],
          `round ${round}`,
        );
      }
    });

    it('no request was answered with a 5xx', () => {
      assert.deepEqual(users.serverErrors(), []);
    });
  });
}
