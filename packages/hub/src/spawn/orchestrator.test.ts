// Starting, watching and stopping servers through the REST API, with fake spawners standing in
// for the job and the test standing in for the agent (it reads the server's secret from the job
// script, as the agent reads it from its environment).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  AGENT_ENV,
  AGENT_SECRET_HEADER,
  type ServerModel,
  UNKNOWN_SERVER_CODE,
  type UserModel,
} from '@hpchub/protocol';
import { fingerprintOfPem, HUB_CERTIFICATE_FILE } from '../auth/hub-certificate.js';
import type { HubConfig } from '../config/index.js';
import { HubError } from '../errors/index.js';
import { createFakeSpawner, type FakeBehaviour, type FakeSpawner } from '../test-support/fake-spawner.js';
import { readEvents, TestHub } from '../test-support/hub.js';
import type { ProgressEvent } from './progress.js';
import { markStopping } from './servers-store.js';

const FINGERPRINT = 'ab'.repeat(32);

async function fakeHub(behaviour: FakeBehaviour, configure?: (c: HubConfig) => void) {
  const spawner = createFakeSpawner(behaviour, { pendingPolls: 2 });
  const hub = await TestHub.start({
    spawner,
    configure: (c) => {
      c.spawner.poll_interval_seconds = 1;
      configure?.(c);
    },
  });
  await hub.addUser('alice');
  await hub.addUser('boss', { admin: true });
  return { hub, spawner, alice: await hub.tokenFor('alice'), admin: await hub.tokenFor('boss', ['admin']) };
}

/** What the agent would read from its environment. */
function agentEnv(
  spawner: FakeSpawner,
  serverId: number,
): { secret: string; url: string; fingerprint: string } {
  const script = spawner.scriptOf(serverId) ?? '';
  const value = (name: string) => {
    const quoted = new RegExp(`^export ${name}='([^']*)'$`, 'm').exec(script)?.[1];
    assert.ok(quoted !== undefined, `${name} is in the job script`);
    return quoted;
  };
  return {
    secret: value(AGENT_ENV.secret),
    url: value(AGENT_ENV.hubUrl),
    fingerprint: value(AGENT_ENV.hubFingerprint),
  };
}

async function serverId(hub: TestHub, name = ''): Promise<number> {
  const row = await hub.hub.db
    .selectFrom('servers')
    .select('id')
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
  return row.id;
}

function agentPost(hub: TestHub, path: string, secret: string | undefined, body: unknown) {
  return hub.api('POST', `/agent${path}`, { body, headers: secret ? { [AGENT_SECRET_HEADER]: secret } : {} });
}

describe('starting and stopping a server', () => {
  let t: Awaited<ReturnType<typeof fakeHub>>;
  before(async () => {
    t = await fakeHub('instant');
  });
  after(() => t.hub.stop());

  test('start → progress stream → agent ready → route → stop, with the end recorded', async () => {
    const { hub, spawner, alice } = t;
    const started = await hub.api<ServerModel>('POST', '/users/alice/server', {
      token: alice,
      body: { user_options: { app: 'jupyterlab' } },
    });
    assert.equal(started.status, 202, started.text);
    assert.equal(started.body.pending, 'spawn');
    const id = await serverId(hub);
    const env = agentEnv(spawner, id);
    // The agent reaches the hub's port over TLS, pinned to the hub's own certificate.
    assert.equal(env.url, `${hub.url.replace(/^http:/, 'https:')}/hub/api/agent`);
    const pem = readFileSync(join(hub.hub.config.data_dir, HUB_CERTIFICATE_FILE));
    assert.equal(env.fingerprint, fingerprintOfPem(pem));

    const stream = readEvents<ProgressEvent>(`${hub.url}${started.body.progress_url}`, {
      authorization: `token ${alice}`,
    });
    await agentPost(hub, `/servers/${id}/progress`, env.secret, { message: 'Starting JupyterLab' });
    const ready = await agentPost(hub, `/servers/${id}/ready`, env.secret, {
      host: '127.0.0.1',
      port: 9,
      fingerprint: FINGERPRINT,
    });
    assert.equal(ready.status, 204, ready.text);
    const events = await stream;
    const last = events.at(-1);
    assert.equal(last?.ready, true);
    assert.equal(last?.url, '/user/alice/');
    assert.ok(events.some((e) => e.message === 'Starting JupyterLab'));
    assert.ok(
      events.every((e, i) => i === 0 || e.progress >= (events[i - 1]?.progress ?? 0)),
      'progress only grows',
    );

    const user = await hub.api<UserModel>('GET', '/users/alice', { token: alice });
    assert.equal(user.body.server, '/user/alice/', JSON.stringify(user.body));
    assert.equal((user.body.servers[''] as ServerModel).ready, true);
    assert.ok(hub.running.app.proxy.routes.resolve('alice', null), 'the proxy routes /user/alice/');
    // Running: its usage record is open, with every step so far and the host the agent reported.
    const open = await hub.hub.db
      .selectFrom('usage_records')
      .selectAll()
      .where('server_id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(open.ended_at, null);
    assert.ok(open.submitted_at && open.started_at && open.ready_at, JSON.stringify(open));
    assert.equal(open.node, '127.0.0.1');
    assert.equal(open.time_to_ready_seconds !== null && open.time_to_ready_seconds >= 0, true);

    const stopped = await hub.api('DELETE', '/users/alice/server', { token: alice });
    assert.equal(stopped.status, 204);
    assert.equal(hub.running.app.proxy.routes.resolve('alice', null), undefined);
    const row = await hub.hub.db
      .selectFrom('servers')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'stopped');
    assert.equal(row.end_reason, 'user_stop');
    const usage = await hub.hub.db
      .selectFrom('usage_records')
      .selectAll()
      .where('user_name', '=', 'alice')
      .execute();
    assert.equal(usage.length, 1);
    assert.equal(usage[0]?.end_reason, 'user_stop');
    assert.ok(usage[0]?.ended_at && usage[0].used_run_seconds !== null, JSON.stringify(usage[0]));
    assert.equal(spawner.liveJobs(), 0);
    // Stopping again changes nothing.
    assert.equal((await hub.api('DELETE', '/users/alice/server', { token: alice })).status, 204);
  });

  test('an admin stopping a user’s server is recorded as an admin stop', async () => {
    const { hub, spawner, alice, admin } = t;
    await hub.api('POST', '/users/alice/servers/lab2', {
      token: alice,
      body: { user_options: { app: 'notebook' } },
    });
    const id = await serverId(hub, 'lab2');
    const { secret } = agentEnv(spawner, id);
    await agentPost(hub, `/servers/${id}/ready`, secret, {
      host: 'node1',
      port: 9,
      fingerprint: FINGERPRINT,
    });
    assert.equal(
      (await hub.api('DELETE', '/users/alice/servers/lab2', { token: admin, body: { remove: true } })).status,
      204,
    );
    const usage = await hub.hub.db
      .selectFrom('usage_records')
      .select('end_reason')
      .where('server_name', '=', 'lab2')
      .execute();
    assert.deepEqual(usage, [{ end_reason: 'admin_stop' }]);
    assert.equal(
      await hub.hub.db.selectFrom('servers').select('id').where('name', '=', 'lab2').executeTakeFirst(),
      undefined,
    );
  });

  test('agent messages need the server’s own secret and the exact schema', async () => {
    const { hub, spawner, alice } = t;
    await hub.api('POST', '/users/alice/servers/strict', {
      token: alice,
      body: { user_options: { app: 'jupyterlab' } },
    });
    const id = await serverId(hub, 'strict');
    const { secret } = agentEnv(spawner, id);
    const good = { host: 'node1', port: 9, fingerprint: FINGERPRINT };
    assert.equal((await agentPost(hub, `/servers/${id}/ready`, undefined, good)).status, 403);
    // Another secret, or a server the hub does not have: the hub does not know that server.
    for (const [path, presented] of [
      [`/servers/${id}/ready`, `${secret}x`],
      [`/servers/${id + 1000}/ready`, secret],
    ] as const) {
      const answer = await agentPost(hub, path, presented, good);
      assert.equal(answer.status, 404);
      assert.equal((answer.body as { code: string }).code, UNKNOWN_SERVER_CODE);
    }
    assert.equal((await agentPost(hub, `/servers/${id}/ready`, secret, { ...good, extra: 1 })).status, 400);
    assert.equal(
      (await agentPost(hub, `/servers/${id}/ready`, secret, { ...good, fingerprint: 'nope' })).status,
      400,
    );
    assert.equal(
      (await agentPost(hub, `/servers/${id}/ready`, secret, { ...good, port: 70000 })).status,
      400,
    );
    assert.match(hub.logText(), /agent message refused: no secret/);
    assert.match(hub.logText(), /agent message refused: unknown server/);
    assert.match(hub.logText(), /agent message refused: it does not match the schema/);
    assert.ok(!hub.logText().includes(secret), 'the secret is never logged');
    const row = await hub.hub.db
      .selectFrom('servers')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'pending', 'nothing was accepted');
    await hub.api('DELETE', '/users/alice/servers/strict', { token: alice });
  });

  test('bad options are refused per field, and no job is started', async () => {
    const { hub, spawner, alice } = t;
    const before = spawner.liveJobs();
    for (const [options, field] of [
      [{ app: 'emacs' }, 'app'],
      [{ app: 'jupyterlab', colour: 'red' }, 'colour'],
      [{ app: 'jupyterlab', custom_script: '../../etc/passwd' }, 'custom_script'],
      [{ app: 'jupyterlab', custom_script: '$(id)' }, 'custom_script'],
      [{ app: 'jupyterlab', custom_script: '1; touch /tmp/x' }, 'custom_script'],
      [{ app: 'jupyterlab', custom_script: 'a\nb' }, 'custom_script'],
      [{ app: 'jupyterlab', custom_script: '/etc/profile' }, 'custom_script'],
    ] as const) {
      const res = await hub.api<{ validations: { field: string }[] }>('POST', '/users/alice/servers/bad', {
        token: alice,
        body: { user_options: options },
      });
      assert.equal(res.status, 400, JSON.stringify(options));
      assert.deepEqual(
        res.body.validations.map((v) => v.field),
        [field],
        JSON.stringify(options),
      );
    }
    for (const name of ['Bad Name', 'api', 'lab', '.hidden', 'x'.repeat(41)]) {
      const res = await hub.api('POST', `/users/alice/servers/${encodeURIComponent(name)}`, {
        token: alice,
        body: {},
      });
      assert.equal(res.status, 400, name);
    }
    assert.equal(spawner.liveJobs(), before);
  });

  test('another user cannot start, stop or watch alice’s servers', async () => {
    const { hub } = t;
    await hub.addUser('eve');
    const eve = await hub.tokenFor('eve');
    assert.equal((await hub.api('POST', '/users/alice/server', { token: eve, body: {} })).status, 404);
    assert.equal((await hub.api('DELETE', '/users/alice/server', { token: eve })).status, 404);
    assert.equal((await hub.api('GET', '/users/alice/server/progress', { token: eve })).status, 404);
  });
});

describe('limits', () => {
  test('servers per user are limited; a start past the start slots waits in line', async () => {
    const { hub, alice, admin } = await fakeHub('instant', (c) => {
      c.spawner.servers_per_user = 2;
      c.spawner.concurrent_spawns = 3;
    });
    try {
      assert.equal((await hub.api('POST', '/users/alice/servers/a', { token: alice, body: {} })).status, 202);
      assert.equal(
        (await hub.api('POST', '/users/alice/servers/a', { token: alice, body: {} })).status,
        202,
        'a second start of a starting server is the same start',
      );
      assert.equal((await hub.api('POST', '/users/alice/servers/b', { token: alice, body: {} })).status, 202);
      const third = await hub.api<{ message: string }>('POST', '/users/alice/servers/c', {
        token: alice,
        body: {},
      });
      assert.equal(third.status, 409);
      assert.match(third.body.message, /already have 2 servers/);
      assert.equal((await hub.api('POST', '/users/boss/server', { token: admin, body: {} })).status, 202);
      await hub.addUser('dan');
      const waits = await hub.api<ServerModel>('POST', '/users/dan/server', {
        token: await hub.tokenFor('dan'),
        body: {},
      });
      assert.equal(waits.status, 202, waits.text);
      assert.equal(waits.body.pending, 'spawn');
      assert.equal(waits.body.line_position, 1);
    } finally {
      await hub.stop();
    }
  });
});

describe('progress and failures', () => {
  test('a queued job shows its queue reason and estimated start', async () => {
    const { hub, alice, spawner } = await fakeHub('slow');
    try {
      await hub.api('POST', '/users/alice/server', { token: alice, body: {} });
      const id = await serverId(hub);
      const events = await readEvents<ProgressEvent>(
        `${hub.url}/hub/api/users/alice/server/progress`,
        { authorization: `token ${alice}` },
        { until: (e) => e.message.startsWith('Job running') },
      );
      const queued = events.find((e) => e.queue);
      assert.ok(queued, JSON.stringify(events));
      assert.match(queued.message, /Waiting in the queue \(reason: Resources\); estimated start/);
      assert.equal(queued.queue?.reason, 'Resources');
      assert.ok(
        events.some((e) => /Job running on fake-node, starting jupyterlab/.test(e.message)),
        JSON.stringify(events),
      );
      assert.ok(spawner.calls.pollMany >= 2);
      assert.ok(id > 0);
    } finally {
      await hub.stop();
    }
  });

  test('a scheduler that refuses the job: the start fails with its message', async () => {
    const { hub, alice } = await fakeHub('refuse');
    try {
      const res = await hub.api<{ message: string }>('POST', '/users/alice/server', {
        token: alice,
        body: {},
      });
      assert.equal(res.status, 503);
      assert.match(res.body.message, /refused the job/);
      const row = await hub.hub.db.selectFrom('servers').selectAll().executeTakeFirstOrThrow();
      assert.equal(row.end_reason, 'start_failure');
      const events = await readEvents<ProgressEvent>(`${hub.url}/hub/api/users/alice/server/progress`, {
        authorization: `token ${alice}`,
      });
      assert.equal(events.at(-1)?.failed, true);
    } finally {
      await hub.stop();
    }
  });

  test('the agent reports that the app binary is missing: the stream fails with its message', async () => {
    const { hub, alice, spawner } = await fakeHub('instant');
    try {
      await hub.api('POST', '/users/alice/server', { token: alice, body: {} });
      const id = await serverId(hub);
      const { secret } = agentEnv(spawner, id);
      const stream = readEvents<ProgressEvent>(`${hub.url}/hub/api/users/alice/server/progress`, {
        authorization: `token ${alice}`,
      });
      await agentPost(hub, `/servers/${id}/stopping`, secret, {
        reason: 'app_not_found',
        message:
          'jupyter-lab was not found on PATH (/usr/bin:/bin). Load the module that provides it in ~/.jupyterlabrc.',
      });
      const last = (await stream).at(-1);
      assert.equal(last?.failed, true);
      assert.match(last?.message ?? '', /Spawn failed: jupyter-lab was not found on PATH/);
      assert.equal(spawner.liveJobs(), 0, 'the job was stopped');
    } finally {
      await hub.stop();
    }
  });

  test('a job that dies while starting fails the start with its exit code', async () => {
    const { hub, alice } = await fakeHub('crash');
    try {
      await hub.api('POST', '/users/alice/server', { token: alice, body: {} });
      const events = await readEvents<ProgressEvent>(`${hub.url}/hub/api/users/alice/server/progress`, {
        authorization: `token ${alice}`,
      });
      assert.match(events.at(-1)?.message ?? '', /exit code 1/);
    } finally {
      await hub.stop();
    }
  });

  test('an app that never answers fails at the start timeout, and the job is stopped', async () => {
    const { hub, alice, spawner } = await fakeHub('instant', (c) => {
      c.spawner.start_timeout_seconds = 2;
    });
    try {
      await hub.api('POST', '/users/alice/server', { token: alice, body: {} });
      const events = await readEvents<ProgressEvent>(`${hub.url}/hub/api/users/alice/server/progress`, {
        authorization: `token ${alice}`,
      });
      assert.match(events.at(-1)?.message ?? '', /did not answer within 2 seconds/);
      assert.equal(spawner.liveJobs(), 0);
    } finally {
      await hub.stop();
    }
  });

  test('at the start timeout, the agent telling of the SIGTERM that stops its job is not the reason given', async () => {
    const { hub, alice, spawner } = await fakeHub('instant', (c) => {
      c.spawner.start_timeout_seconds = 2;
    });
    // A real agent whose job is stopped says so before it exits: while the hub is still stopping it.
    const stop = spawner.stop.bind(spawner);
    spawner.stop = async (state) => {
      const id = await serverId(hub);
      const told = await agentPost(hub, `/servers/${id}/stopping`, agentEnv(spawner, id).secret, {
        reason: 'signal',
        message: 'The agent received SIGTERM and stopped Tiny app.',
      });
      assert.ok(told.status < 300, told.text);
      return stop(state);
    };
    try {
      await hub.api('POST', '/users/alice/server', { token: alice, body: {} });
      const events = await readEvents<ProgressEvent>(`${hub.url}/hub/api/users/alice/server/progress`, {
        authorization: `token ${alice}`,
      });
      assert.match(events.at(-1)?.message ?? '', /did not answer within 2 seconds/);
      const row = await hub.hub.db
        .selectFrom('servers')
        .select(['status', 'end_reason', 'end_detail'])
        .where('id', '=', await serverId(hub))
        .executeTakeFirstOrThrow();
      assert.equal(row.status, 'stopped');
      assert.equal(row.end_reason, 'start_failure');
      assert.match(row.end_detail ?? '', /did not answer within 2 seconds/);
    } finally {
      await hub.stop();
    }
  });
});

describe('a stop cut short', () => {
  /** alice's default server, started and reported ready by its (test) agent: its id. */
  async function running(t: Awaited<ReturnType<typeof fakeHub>>): Promise<number> {
    await t.hub.api('POST', '/users/alice/server', { token: t.alice, body: {} });
    const id = await serverId(t.hub);
    const { secret } = agentEnv(t.spawner, id);
    const ready = await agentPost(t.hub, `/servers/${id}/ready`, secret, {
      host: '127.0.0.1',
      port: 9,
      fingerprint: FINGERPRINT,
    });
    assert.equal(ready.status, 204, ready.text);
    return id;
  }

  /** The server's row once it has stopped (the monitor polls every second). */
  async function stoppedRow(hub: TestHub, id: number) {
    for (let i = 0; i < 100; i++) {
      const row = await hub.hub.db
        .selectFrom('servers')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      if (row.status === 'stopped') return row;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`server ${id} did not stop`);
  }

  test('a hub killed while stopping a server finishes the stop when it starts again, with its reason', async () => {
    const t = await fakeHub('instant');
    try {
      const id = await running(t);
      // What a hub killed between marking the server stopping and stopping its job leaves behind.
      await markStopping(t.hub.hub.db, id, { reason: 'user_stop', detail: null });
      await t.hub.restart();
      const row = await stoppedRow(t.hub, id);
      assert.equal(row.end_reason, 'user_stop');
      assert.equal(t.spawner.liveJobs(), 0, 'the job was stopped');
    } finally {
      await t.hub.stop();
    }
  });

  test('a stop the scheduler did not carry out is answered 503 and finished at a later poll', async () => {
    const t = await fakeHub('instant');
    try {
      const id = await running(t);
      const stop = t.spawner.stop;
      t.spawner.stop = async () => {
        t.spawner.stop = stop;
        throw new HubError('unavailable', 'Slurm does not answer right now; try again in a few minutes.');
      };
      const refused = await t.hub.api('DELETE', '/users/alice/server', { token: t.alice });
      assert.equal(refused.status, 503, refused.text);
      const row = await stoppedRow(t.hub, id);
      assert.equal(row.end_reason, 'user_stop');
      assert.equal(t.spawner.liveJobs(), 0);
    } finally {
      await t.hub.stop();
    }
  });
});
