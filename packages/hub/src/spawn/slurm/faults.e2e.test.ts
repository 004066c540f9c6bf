// Faults on the real Slurm cluster, a few rounds of each (`npm run bench:faults` runs many and
// counts): the hub killed with SIGKILL at each point of a spawn, slurmctld restarted during
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
} from '../../test-support/faults.js';
import { PrivatePostgres } from '../../test-support/private-postgres.js';

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
