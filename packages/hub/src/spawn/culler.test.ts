// The built-in idle culler, on a clock the test controls: an idle server is culled once its
// timeout has passed, a used one and one whose kernel computes with no browser are kept, a
// server past its maximum age goes whatever its use, and a hub restarted in the middle culls
// exactly as the old one would have (the culler's timers are the servers' stored times).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ServerModel, UserModel } from '@hpchub/protocol';
import type { AppDefinition } from '../apps/definition.js';
import { loadConfig } from '../config/index.js';
import { agentOf, type PagesScene, startPagesHub } from '../test-support/pages.js';
import { cullPlan, cullPolicy } from './culler.js';

const MIN = 60_000;
const PASSWORD = 'correct horse battery';

/** A clock the test moves forward; it starts at the real time, so stored times line up with it. */
function testClock() {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance(ms: number) {
      offset += ms;
    },
    iso(): string {
      return new Date(Date.now() + offset).toISOString();
    },
  };
}

async function serverRow(scene: PagesScene, name: string) {
  return scene.hub.hub.db
    .selectFrom('servers')
    .selectAll()
    .where('name', '=', name)
    .executeTakeFirstOrThrow();
}

/** alice (with a password) and her default JupyterLab, ready. */
async function aliceRunning(scene: PagesScene): Promise<void> {
  await scene.hub.addUser('alice', { password: PASSWORD });
  const res = await scene.hub.api('POST', '/users/alice/server', {
    token: await scene.hub.tokenFor('alice'),
    body: { user_options: { app: 'jupyterlab' } },
  });
  assert.equal(res.status, 202, res.text);
  await (await agentOf(scene, 'alice', '')).ready();
}

describe('the built-in culler', () => {
  const clock = testClock();
  let scene: PagesScene;
  let alice = '';

  before(async () => {
    scene = await startPagesHub({
      now: clock.now,
      configure: (c) => {
        c.culler.idle_timeout_seconds = 3600;
        // Runs only when the test says so.
        c.culler.interval_seconds = 3600;
      },
    });
    await scene.hub.addUser('alice', { password: PASSWORD });
    await scene.hub.addUser('boss', { admin: true });
    alice = await scene.hub.tokenFor('alice');
    const admin = await scene.hub.tokenFor('boss', ['admin']);
    // One server an admin started for alice, two she started herself.
    for (const [name, token] of [
      ['idle', admin],
      ['used', alice],
      ['busy', alice],
    ] as const) {
      const res = await scene.hub.api('POST', `/users/alice/servers/${name}`, {
        token,
        body: { user_options: { app: 'jupyterlab' } },
      });
      assert.equal(res.status, 202, res.text);
      await (await agentOf(scene, 'alice', name)).ready();
    }
  });
  after(() => scene.hub.stop());

  const cull = () => scene.hub.running.app.culler.runOnce();
  const status = async (name: string) => (await serverRow(scene, name)).status;

  /** Half an hour of what the three agents report: traffic, a kernel computing, nothing. */
  async function halfAnHour(opts: { busy: boolean }) {
    clock.advance(30 * MIN);
    await (await agentOf(scene, 'alice', 'used')).heartbeat({ last_activity: clock.iso() });
    await (await agentOf(scene, 'alice', 'busy')).heartbeat({
      last_activity: null,
      app: { last_activity: null, busy: opts.busy, kernels: 1, connections: 0 },
    });
    if ((await status('idle')) === 'running')
      await (await agentOf(scene, 'alice', 'idle')).heartbeat({
        last_activity: null,
        app: { last_activity: null, busy: false, kernels: 0, connections: 0 },
      });
  }

  test('an idle server is culled after its timeout; a used one and a computing one are kept', async () => {
    await halfAnHour({ busy: true });
    await cull();
    assert.equal(await status('idle'), 'running', 'not yet: 30 min idle of 60');
    await halfAnHour({ busy: true });
    clock.advance(MIN);
    await cull();
    const idle = await serverRow(scene, 'idle');
    assert.equal(idle.status, 'stopped');
    assert.equal(idle.end_reason, 'idle_cull');
    assert.equal(idle.end_detail, '1 h idle');
    assert.equal(await status('used'), 'running');
    assert.equal(await status('busy'), 'running', 'a kernel computing with no browser is work');

    const usage = await scene.hub.hub.db
      .selectFrom('usage_records')
      .selectAll()
      .where('server_name', '=', 'idle')
      .executeTakeFirstOrThrow();
    assert.equal(usage.end_reason, 'idle_cull');

    const home = await (await scene.hub.login('alice', PASSWORD)).get('/hub/home');
    assert.match(home.text, /stopped after 1 h idle/, 'the home page says why the server ended');
  });

  test('last_activity per server and per user, as JupyterHub reports it', async () => {
    const user = await scene.hub.api<UserModel>('GET', '/users/alice', { token: alice });
    const servers = user.body.servers as Record<string, ServerModel>;
    const used = Date.parse(servers.used?.last_activity ?? '');
    const busy = Date.parse(servers.busy?.last_activity ?? '');
    assert.ok(Math.abs(used - clock.now()) < 5 * MIN, 'the traffic of the last heartbeat');
    assert.ok(Math.abs(busy - clock.now()) < 5 * MIN, 'the busy kernel, at the last heartbeat');
    assert.equal(user.body.last_activity, new Date(Math.max(used, busy)).toISOString());
  });

  test('a restarted hub culls from the stored times: the kernel that stopped computing goes, the used one stays', async () => {
    // The kernel finishes; from here only the traffic of "used" is activity.
    await halfAnHour({ busy: false });
    await scene.hub.restart();
    await halfAnHour({ busy: false });
    await scene.hub.restart();
    clock.advance(2 * MIN);
    await cull();
    assert.equal(await status('busy'), 'stopped', 'idle since the kernel stopped, an hour and 2 min ago');
    assert.equal((await serverRow(scene, 'busy')).end_reason, 'idle_cull');
    assert.equal(await status('used'), 'running');
    clock.advance(60 * MIN);
    await cull();
    assert.equal(await status('used'), 'stopped', 'an hour after its last use');
  });
});

describe('maximum age', () => {
  const clock = testClock();
  let scene: PagesScene;
  before(async () => {
    scene = await startPagesHub({
      now: clock.now,
      configure: (c) => {
        c.culler.max_age_seconds = 4 * 3600;
        c.culler.interval_seconds = 3600;
      },
    });
    await aliceRunning(scene);
  });
  after(() => scene.hub.stop());

  test('a server in constant use is stopped once older than the maximum age', async () => {
    const agent = await agentOf(scene, 'alice', '');
    for (let i = 0; i < 8; i++) {
      clock.advance(29 * MIN);
      await agent.heartbeat({ last_activity: clock.iso() });
      await scene.hub.running.app.culler.runOnce();
      assert.equal((await serverRow(scene, '')).status, 'running', `still running after ${(i + 1) * 29} min`);
    }
    // Used all along: the maximum age comes before any idle cull, and the API says so.
    const user = await scene.hub.api<UserModel>('GET', '/users/alice', {
      token: await scene.hub.tokenFor('alice'),
    });
    const planned = (user.body.servers[''] as ServerModel).ends;
    const started = Date.parse((await serverRow(scene, '')).started ?? '');
    assert.deepEqual(planned, { at: new Date(started + 4 * 3_600_000).toISOString(), why: 'max_age' });
    clock.advance(30 * MIN);
    await agent.heartbeat({ last_activity: clock.iso() });
    await scene.hub.running.app.culler.runOnce();
    const row = await serverRow(scene, '');
    assert.equal(row.status, 'stopped');
    assert.equal(row.end_reason, 'idle_cull');
    assert.equal(row.end_detail, '4 h, the longest a server may run');
  });
});

describe('warnings before an idle cull', () => {
  let scene: PagesScene;
  before(async () => {
    scene = await startPagesHub({ configure: (c) => (c.culler.idle_timeout_seconds = 20 * 60) });
    await aliceRunning(scene);
  });
  after(() => scene.hub.stop());

  test('the API says when and why; the home page says "ends in 19 min: idle"', async () => {
    const user = await scene.hub.api<UserModel>('GET', '/users/alice', {
      token: await scene.hub.tokenFor('alice'),
    });
    const ends = (user.body.servers[''] as ServerModel).ends;
    assert.equal(ends?.why, 'idle');
    const home = await (await scene.hub.login('alice', PASSWORD)).get('/hub/home');
    assert.match(home.text, /ends in (19|20) min: idle/);
  });
});

describe('cull policies', () => {
  const { config } = loadConfig({ env: {}, flags: {} });
  const app = (cull: AppDefinition['cull']) => ({ cull }) as AppDefinition;

  test('the defaults: on, two hours idle, busy kernels count, no maximum age', () => {
    assert.deepEqual(cullPolicy(config.culler, undefined), {
      enabled: true,
      idleTimeoutSeconds: 7200,
      busyKernelsActive: true,
      maxAgeSeconds: 0,
    });
  });

  test('an app’s own cull keys override the section’s, the rest stays', () => {
    const policy = cullPolicy(config.culler, app({ idle_timeout_seconds: 600, busy_kernels_active: false }));
    assert.equal(policy.idleTimeoutSeconds, 600);
    assert.equal(policy.busyKernelsActive, false);
    assert.equal(policy.enabled, true);
    assert.equal(cullPolicy(config.culler, app({ enabled: false })).enabled, false);
  });

  test('the plan: the earlier of idle timeout and maximum age; none when culling is off', () => {
    const started = '2030-01-01T08:00:00.000Z';
    const server = { started, ready: started, last_activity: '2030-01-01T09:00:00.000Z' };
    const idle = cullPlan(server, { ...cullPolicy(config.culler, undefined) });
    assert.deepEqual(idle, {
      at: Date.parse('2030-01-01T11:00:00.000Z'),
      why: 'idle',
      detail: '2 h idle',
    });
    const aged = cullPlan(server, { ...cullPolicy(config.culler, undefined), maxAgeSeconds: 9000 });
    assert.equal(aged?.why, 'max_age');
    assert.equal(aged?.at, Date.parse('2030-01-01T10:30:00.000Z'));
    assert.equal(cullPlan(server, { ...cullPolicy(config.culler, undefined), enabled: false }), null);
  });
});
