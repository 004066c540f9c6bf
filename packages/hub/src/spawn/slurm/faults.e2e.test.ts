// Faults on the real Slurm cluster, a few rounds of each (`npm run bench:faults` runs many and
// counts): the hub killed with SIGKILL at each point of a spawn (and once right after submitting
// a job that waits in the queue, which the restarted hub must cancel), slurmctld restarted during
// starts, the agents cut off from the hub, and PostgreSQL restarted under load. After each fault,
// every server ends serving through the proxy, or stopped or failed with a message, no job of the
// test is left that the hub does not know, and no answer is a 500 or carries a stack.
// Correctness only: nothing here is timed. HPCHUB_TEST_AGENT_CUT_SECONDS (default 10) sets how
// long the agents are cut off.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FaultLab } from '../../test-support/fault-lab.js';
import {
  agentCutOff,
  controllerRestart,
  KILL_POINTS,
  killRound,
  postgresRestart,
  settle,
} from '../../test-support/faults.js';
import { PrivatePostgres } from '../../test-support/private-postgres.js';
import { cancelJobs, jobState, nodeCpus, submitBlocker, waitFor } from './test-support.js';

const CUT_SECONDS = Number(process.env.HPCHUB_TEST_AGENT_CUT_SECONDS ?? 10);

describe('faults on a hub on the real Slurm cluster', () => {
  let lab: FaultLab;
  before(async () => {
    lab = await FaultLab.start({ heartbeatSeconds: 2 });
  });
  after(async () => {
    await lab?.close();
  });

  for (const [i, point] of [...KILL_POINTS, 'after_submit' as const].entries()) {
    test(`the hub killed ${point.replace('_', ' ')}: no orphaned job, no server stuck`, async () => {
      const name = `fault-kill-${i}`;
      const round = await killRound(lab, name, point);
      assert.deepEqual(round.problems, [], JSON.stringify(round));
      if (round.outcome === 'ready') assert.equal((await lab.stop(name)).status, 204);
      assert.deepEqual(await lab.orphans(), []);
    });
  }

  test('the hub killed after submitting a job that waits in the queue: the restarted hub cancels it before it runs, and launches again', async () => {
    const name = 'fault-kill-queued';
    // hpchub-bob's job fills the node, so the job of the start waits in the queue.
    const blocker = await submitBlocker('hpchub-bob', nodeCpus());
    try {
      // Other tests' jobs may hold the node for a while first.
      await waitFor('bob’s job to run', 300_000, async () =>
        (await jobState(blocker).catch(() => undefined)) === 'RUNNING' ? true : undefined,
      );
      const since = lab.hub.logLines.length;
      lab.stopAt('submitted');
      void lab.start(name).catch(() => undefined);
      await lab.logged('fault point reached', since);
      const reached = lab.hub.logLines.slice(since).find((l) => l.includes('"msg":"fault point reached"'));
      const orphan = String((JSON.parse(reached ?? '{}') as { job?: string }).job);
      assert.match(orphan, /^\d+$/);
      assert.equal(await jobState(orphan), 'PENDING');
      await lab.killHub();
      // Cancelled by the hub when it launches the start again, while bob's job still holds the
      // node: not after it ran and its agent was refused.
      const end = await waitFor('the orphaned job to leave the queue', 60_000, async () => {
        // While the controller does not answer (other tests restart it), keep asking.
        const state = await jobState(orphan).catch(() => 'PENDING');
        return state === 'PENDING' ? undefined : (state ?? 'gone');
      });
      assert.equal(end, 'CANCELLED');
      assert.equal(await jobState(blocker), 'RUNNING');
      assert.ok(
        lab.hub.logLines.some((l) =>
          l.includes(`"msg":"cancelling Slurm job ${orphan} that an earlier launch`),
        ),
        'the hub logs which job it cancelled',
      );
      const relaunched = (await lab.servers()).find((s) => s.name === name);
      assert.ok(relaunched?.job && relaunched.job !== orphan, JSON.stringify(relaunched));
    } finally {
      await cancelJobs([blocker]);
    }
    // The start launched again runs once the node is free and ends ready; nothing is orphaned.
    const { outcomes, orphans } = await settle(lab, [name]);
    assert.equal(outcomes[name], 'ready');
    assert.deepEqual(orphans, []);
    assert.equal((await lab.stop(name)).status, 204);
  });

  test('slurmctld restarted during three starts: each ends ready or failed with a message', async () => {
    const restart = await controllerRestart(lab, ['fault-ctld-1', 'fault-ctld-2', 'fault-ctld-3'], 3000);
    assert.deepEqual(restart.problems, [], JSON.stringify(restart));
    assert.deepEqual(await lab.orphans(), []);
  });

  test(`the agent cut off from the hub for ${CUT_SECONDS} s: the server keeps serving, the agent comes back`, async () => {
    const cut = await agentCutOff(lab, 'fault-cut', CUT_SECONDS * 1000);
    assert.deepEqual(cut.problems, [], JSON.stringify(cut));
    assert.ok(cut.proxied > 0);
    assert.equal((await lab.stop('fault-cut')).status, 204);
  });
});

describe('PostgreSQL restarted under load', () => {
  let postgres: PrivatePostgres;
  let lab: FaultLab;
  before(async () => {
    postgres = await PrivatePostgres.start();
    lab = await FaultLab.start({ postgresUrl: postgres.url });
  });
  after(async () => {
    await lab?.close();
    await postgres?.stop();
  });

  test('requests during the outage fail cleanly (503), and the hub recovers without a restart', async () => {
    const restart = await postgresRestart(lab, postgres, 'fault-pg', 'fault-pg-after', 3000);
    assert.deepEqual(restart.problems, [], JSON.stringify(restart));
    assert.ok(Object.keys(restart.during_outage).length > 0);
  });
});
