// A start the agent gives up on (a module that does not load, an app that exits): the hub must
// answer the agent's `stopping` before it waits for the job to end, because a real job ends only
// once its agent has exited, and the agent exits only once it has that answer (or has waited out
// its grace period, 10 s). The spawner here behaves like such a job: stopping it returns only
// when the hub has answered, or after a grace period of its own — so a hub that stops the job
// first is answered only after that grace, and the recorded order shows it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createFakeSpawner, type FakeSpawner } from '../test-support/fake-spawner.js';
import { TestHub } from '../test-support/hub.js';
import { agentOf, serverIdOf } from '../test-support/pages.js';

/** The fake job's stand-in for the agent's grace period: only a hub in the wrong order waits for it. */
const GRACE_MS = 2000;

let hub: TestHub;
let spawner: FakeSpawner;
const order: string[] = [];
let answered: () => void = () => undefined;

before(async () => {
  const inner = createFakeSpawner('instant');
  spawner = {
    ...inner,
    async stop(state) {
      order.push('job asked to stop');
      const answer = new Promise<void>((resolve) => {
        answered = resolve;
      });
      await Promise.race([answer, sleep(GRACE_MS)]);
      order.push('job ended');
      await inner.stop(state);
    },
  };
  hub = await TestHub.start({ spawner });
  await hub.addUser('alice');
});
after(() => hub?.stop());

test('the failure is recorded and the agent answered first; the job is stopped after', async () => {
  const token = await hub.tokenFor('alice');
  const started = await hub.api('POST', '/users/alice/server', {
    token,
    body: { user_options: { app: 'jupyterlab' } },
  });
  assert.equal(started.status, 202, started.text);
  const agent = await agentOf({ hub, spawner }, 'alice', '');
  const message = 'Loading the modules hpchub-no-such/1.0 failed: Lmod has detected the following error: …';

  await agent.fail(message);
  order.push('agent answered');
  // What the user sees is on record by the time the agent has its answer.
  const row = await hub.hub.db
    .selectFrom('servers')
    .select(['status', 'end_reason', 'end_detail'])
    .where('id', '=', await serverIdOf(hub, 'alice'))
    .executeTakeFirstOrThrow();
  assert.deepEqual(row, { status: 'stopped', end_reason: 'start_failure', end_detail: message });
  const events = hub.running.app.spawning.progress.snapshot(await serverIdOf(hub, 'alice')).events;
  assert.equal(events.at(-1)?.message, `Spawn failed: ${message}`);
  assert.equal(events.at(-1)?.failed, true);
  // The agent exits now, and with it the job.
  answered();
  for (let i = 0; i < 100 && spawner.liveJobs() > 0; i++) await sleep(20);
  assert.equal(spawner.liveJobs(), 0, 'the job was stopped');
  assert.deepEqual(order, ['job asked to stop', 'agent answered', 'job ended']);
});
