// A job whose agent reports in before the hub has saved the job's launch: the hub answers 503
// (the agent asks again) instead of routing to a job it has no record of. Found by the scale
// test: a hub killed between sbatch and saving the job's id launched the start again, and the
// first job's agent was taken as ready for the same server, leaving the second job orphaned.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AGENT_SECRET_HEADER } from '@hpchub/protocol';
import { createFakeSpawner } from '../test-support/fake-spawner.js';
import { TestHub } from '../test-support/hub.js';
import { agentById, serverIdOf } from '../test-support/pages.js';

test('ready before the launch is saved is answered 503, and taken once it is', async () => {
  const inner = createFakeSpawner('instant');
  let release: () => void = () => {};
  const saved = new Promise<void>((resolve) => {
    release = resolve;
  });
  let submitted: () => void = () => {};
  const jobExists = new Promise<void>((resolve) => {
    submitted = resolve;
  });
  // sbatch has answered; the hub has not yet written the job's id (as when it dies right here).
  const spawner = {
    ...inner,
    async start(request: Parameters<typeof inner.start>[0]) {
      const state = await inner.start(request);
      submitted();
      await saved;
      return state;
    },
  };
  const hub = await TestHub.start({ spawner });
  try {
    await hub.addUser('alice');
    const token = await hub.tokenFor('alice');
    const start = hub.api('POST', '/users/alice/server', { token, body: {} });
    await jobExists;
    const id = await serverIdOf(hub, 'alice', '');
    const agent = agentById({ hub, spawner: inner }, id);
    const early = await hub.api('POST', `/agent/servers/${id}/ready`, {
      body: { host: '127.0.0.1', port: 9, fingerprint: 'ab'.repeat(32) },
      headers: { [AGENT_SECRET_HEADER]: agent.secret },
    });
    assert.equal(early.status, 503, early.text);
    const row = await hub.hub.db
      .selectFrom('servers')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'pending');
    assert.equal(row.route, null);
    release();
    assert.equal((await start).status, 202);
    await agent.ready();
    const user = await hub.api<{ servers: Record<string, { ready: boolean }> }>('GET', '/users/alice', {
      token,
    });
    assert.equal(user.body.servers['']?.ready, true, user.text);
  } finally {
    release();
    await hub.stop();
  }
});
