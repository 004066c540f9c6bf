// Faults on the real Slurm cluster, a few rounds of each (`npm run bench:faults` runs many and
// counts): the hub killed with SIGKILL at each point of a spawn. After each fault, every server
// ends serving through the proxy, or stopped or failed with a message, and no job of the test is
// left that the hub does not know. Correctness only: nothing here is timed.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FaultLab } from '../../test-support/fault-lab.js';
import { KILL_POINTS, killRound } from '../../test-support/faults.js';

describe('the hub killed with SIGKILL at each point of a spawn', () => {
  let lab: FaultLab;
  before(async () => {
    lab = await FaultLab.start();
  });
  after(async () => {
    await lab?.close();
  });

  for (const [i, point] of [...KILL_POINTS, 'after_submit' as const].entries()) {
    test(`killed ${point.replace('_', ' ')}: no orphaned job, no server stuck`, async () => {
      const name = `fault-kill-${i}`;
      const round = await killRound(lab, name, point);
      assert.deepEqual(round.problems, [], JSON.stringify(round));
      if (round.outcome === 'ready') assert.equal((await lab.stop(name)).status, 204);
      assert.deepEqual(await lab.orphans(), []);
    });
  }
});
