// Every event of a real progress stream is what the OpenAPI document promises (a ProgressEvent
// as JSON in each event's data): Schemathesis sees only the stream's framing, this checks the data.
// (The fake spawner's job never gets an agent, so the stream is read until the job runs.)
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ProgressEventSchema } from '@hpchub/protocol';
import { Value } from '@sinclair/typebox/value';
import { createFakeSpawner } from '../test-support/fake-spawner.js';
import { readEvents, TestHub } from '../test-support/hub.js';

test('the events of a start, from requested through queued to running, each fit ProgressEvent', async () => {
  const hub = await TestHub.start({
    spawner: createFakeSpawner('slow', { pendingPolls: 2 }),
    configure: (config) => {
      config.spawner.poll_interval_seconds = 1;
    },
  });
  try {
    await hub.addUser('ada');
    const token = await hub.tokenFor('ada', ['self']);
    const started = await hub.api('POST', '/users/ada/server', { token, body: { user_options: {} } });
    assert.ok([201, 202].includes(started.status), started.text);
    const events = await readEvents<unknown>(
      `${hub.url}/hub/api/users/ada/server/progress`,
      { authorization: `token ${token}` },
      { until: (e) => ((e as { progress?: number }).progress ?? 0) >= 50 },
    );
    assert.ok(events.length >= 3, `${events.length} events`);
    for (const event of events) assert.ok(Value.Check(ProgressEventSchema, event), JSON.stringify(event));
    assert.ok(
      events.some((e) => (e as { queue?: unknown }).queue),
      'a queued step with its reason',
    );
  } finally {
    await hub.stop();
  }
});
