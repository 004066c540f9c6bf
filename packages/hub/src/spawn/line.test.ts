// The hub's line for start slots, through the REST API and the pages, with fake spawners standing
// in for the jobs and the test standing in for their agents: a class starting at once waits in
// line instead of being refused, in the order the hub took the requests, each start hearing its
// place on its progress stream; a start cancelled in line lets those behind it move up; the line
// has a bound past which the answer is 429 with a Retry-After; a Slurm-like spawner's queued jobs
// hold no slot; the line is in the database and a restarted hub lines the starts up again.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProgressEventSchema, type ServerModel } from '@hpchub/protocol';
import { Value } from '@sinclair/typebox/value';
import type { HubConfig } from '../config/index.js';
import { databaseEngines } from '../test-support/db.js';
import { createFakeSpawner, type FakeBehaviour, type FakeSpawner } from '../test-support/fake-spawner.js';
import { readEvents, TestHub } from '../test-support/hub.js';
import { agentById, serverIdOf } from '../test-support/pages.js';
import type { ProgressEvent } from './progress.js';

async function lineHub(behaviour: FakeBehaviour, configure: (c: HubConfig) => void) {
  const spawner = createFakeSpawner(behaviour, { pendingPolls: 1 });
  const hub = await TestHub.start({
    spawner,
    configure: (c) => {
      c.spawner.poll_interval_seconds = 1;
      configure(c);
    },
  });
  await hub.addUser('boss', { admin: true, password: 'boss-password-1' });
  return { hub, spawner, admin: await hub.tokenFor('boss', ['admin']) };
}

async function addUsers(hub: TestHub, prefix: string, count: number): Promise<string[]> {
  const names = Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(3, '0')}`);
  for (const name of names) await hub.addUser(name);
  return names;
}

function startServer(hub: TestHub, token: string, user: string) {
  return hub.api<ServerModel>('POST', `/users/${user}/server`, { token, body: {} });
}

/** What the agent of a launched server does when its app answers. */
function agentReady(hub: TestHub, spawner: FakeSpawner, serverId: number): Promise<void> {
  return agentById({ hub, spawner }, serverId).ready();
}

/** Waits until `check` holds (the hub acts on its own time), failing after `ms`. */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await sleep(5);
  }
}

/** Follows the progress streams of `users`' default servers, each until ready or failed. */
function follow(hub: TestHub, token: string, users: string[]) {
  const seen = new Map<string, ProgressEvent[]>(users.map((u) => [u, []]));
  const done = users.map((user) =>
    readEvents<ProgressEvent>(
      `${hub.url}/hub/api/users/${user}/server/progress`,
      { authorization: `token ${token}` },
      {
        until: (e) => Boolean(e.ready || e.failed),
        timeoutMs: 180_000,
        onEvent: (e) => seen.get(user)?.push(e),
      },
    ),
  );
  return {
    seen,
    /** Places in line each stream heard, in order (0: its turn came). */
    places: (user: string) => (seen.get(user) ?? []).flatMap((e) => (e.line ? [e.line.position] : [])),
    /** Resolves once every stream has heard at least one event. */
    connected: () =>
      until('every progress stream is connected', () => [...seen.values()].every((e) => e.length > 0)),
    ended: Promise.all(done),
  };
}

/** Waiting starts by ticket: the order the hub took them in. */
async function ticketOrder(hub: TestHub): Promise<number[]> {
  const rows = await hub.hub.db
    .selectFrom('servers')
    .select('id')
    .where('line_ticket', 'is not', null)
    .where('status', '=', 'pending')
    .orderBy('line_ticket')
    .execute();
  return rows.map((r) => r.id);
}

describe('a class starting at once waits in line', () => {
  test('200 starts with 20 start slots: every one 202, every one ready, in arrival order', async () => {
    const { hub, spawner, admin } = await lineHub('instant', (c) => {
      c.spawner.concurrent_spawns = 20;
    });
    try {
      const users = await addUsers(hub, 's', 200);
      const answers = await Promise.all(users.map((u) => startServer(hub, admin, u)));
      assert.deepEqual(
        answers.map((a) => a.status),
        users.map(() => 202),
        'every start is accepted (none refused with 429)',
      );
      assert.ok(answers.every((a) => a.body.pending === 'spawn'));
      assert.equal(
        answers.filter((a) => a.body.line_position === null).length,
        20,
        'twenty got a slot at once',
      );
      assert.deepEqual(
        answers
          .map((a) => a.body.line_position)
          .filter((p): p is number => p !== null)
          .sort((a, b) => a - b)
          .at(-1),
        180,
      );
      assert.equal(spawner.launched.length, 20, 'only twenty jobs launched');
      const firstTwenty = new Set(spawner.launched);

      // The order the hub took the waiting starts in is in the database.
      const order = await ticketOrder(hub);
      assert.equal(order.length, 180);
      const ids = new Map<number, string>();
      for (const user of users) ids.set(await serverIdOf(hub, user), user);
      const streams = follow(hub, admin, users);
      await streams.connected();

      // Each launched server's agent reports ready, which frees its slot for the next in line.
      const readied = new Set<number>();
      while (readied.size < users.length) {
        const next = spawner.launched.find((id) => !readied.has(id));
        if (next === undefined) {
          await until('the next start is launched', () => spawner.launched.length > readied.size);
          continue;
        }
        readied.add(next);
        await agentReady(hub, spawner, next);
      }
      const ended = await streams.ended;
      assert.ok(
        ended.every((events) => events.at(-1)?.ready === true),
        'every progress stream ends with ready',
      );
      for (const event of ended.flat())
        assert.ok(
          Value.Check(ProgressEventSchema, event),
          `as the OpenAPI document says: ${JSON.stringify(event)}`,
        );
      assert.equal(spawner.launched.length, 200, 'each start was launched once');
      assert.deepEqual(
        spawner.launched.slice(20),
        order,
        'the starts in line were launched in arrival order',
      );
      assert.ok(order.every((id) => !firstTwenty.has(id)));

      for (const [i, id] of order.entries()) {
        const places = streams.places(ids.get(id) ?? '');
        assert.equal(places[0], i + 1, `server ${id} first heard its place in line`);
        assert.equal(places.at(-1), 0, `server ${id} heard its turn come`);
        assert.ok(
          places.every((p, j) => j === 0 || p < (places[j - 1] ?? 0)),
          `server ${id}: places only decrease: ${places.join(' ')}`,
        );
      }
      const running = await hub.hub.db
        .selectFrom('servers')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'running')
        .executeTakeFirstOrThrow();
      assert.equal(Number(running.n), 200);
    } finally {
      await hub.stop();
    }
  });

  test('cancelling a start in the middle of the line (DELETE, the progress page) moves those behind it up', async () => {
    const { hub, spawner, admin } = await lineHub('instant', (c) => {
      c.spawner.concurrent_spawns = 1;
    });
    try {
      const users = await addUsers(hub, 'c', 8);
      await hub.addUser('page-user', { password: 'page-user-password-1' });
      const [holder, ...waiting] = users as [string, ...string[]];
      for (const user of users) assert.equal((await startServer(hub, admin, user)).status, 202);
      const browser = await hub.login('page-user', 'page-user-password-1');
      const form = await browser.postForm('/hub/spawn/page-user', {
        _xsrf: await browser.csrfToken(),
        app: 'jupyterlab',
        form_app: 'jupyterlab',
      });
      assert.equal(form.status, 303, form.text);
      const streams = follow(hub, admin, [...waiting, 'page-user']);
      await streams.connected();
      const page = await browser.get('/hub/spawn-pending/page-user');
      assert.match(page.text, /Waiting for a free start slot: 8th in line/);

      // The fourth in line is cancelled with DELETE.
      assert.equal((await hub.api('DELETE', `/users/${waiting[3]}/server`, { token: admin })).status, 204);
      await until('those behind move up', () => streams.places('page-user').includes(7));
      assert.deepEqual(streams.places(waiting[3] as string), [4]);
      assert.equal(streams.seen.get(waiting[3] as string)?.at(-1)?.failed, true);
      for (const user of waiting.slice(0, 3))
        assert.equal(streams.places(user).length, 1, `${user} did not move`);
      for (const [i, user] of waiting.slice(4).entries())
        assert.deepEqual(streams.places(user), [5 + i, 4 + i], `${user} moved up one place`);

      // The progress page's Cancel: the page user leaves the line at once.
      const pageId = await serverIdOf(hub, 'page-user');
      const cancel = await browser.postForm(`/hub/servers/page-user/stop`, {
        _xsrf: await browser.csrfToken(),
        server: '',
        next: '/hub/spawn-pending/page-user',
      });
      assert.equal(cancel.status, 303, cancel.text);
      assert.equal(hub.running.app.proxy.routes.resolve('page-user', null), undefined);
      const after = await hub.api<ServerModel>('GET', '/users/page-user', { token: admin });
      assert.equal(
        (after.body as unknown as { servers: Record<string, ServerModel> }).servers[''],
        undefined,
      );
      assert.ok(!(await ticketOrder(hub)).includes(pageId), 'it left the line in the database too');

      // The line moves on without the cancelled starts, which are never launched.
      const cancelled = new Set([await serverIdOf(hub, waiting[3] as string), pageId]);
      await agentReady(hub, spawner, await serverIdOf(hub, holder));
      for (const user of [...waiting.slice(0, 3), ...waiting.slice(4)]) {
        const id = await serverIdOf(hub, user);
        await until(`${user} is launched`, () => spawner.launched.includes(id));
        await agentReady(hub, spawner, id);
      }
      assert.ok(spawner.launched.every((id) => !cancelled.has(id)));
      assert.equal(spawner.launched.length, 7);
    } finally {
      await hub.stop();
    }
  });
});

describe('the line’s bound', () => {
  test('past start_line_max the answer is 429 with a Retry-After, and nothing changes', async () => {
    const { hub, spawner, admin } = await lineHub('instant', (c) => {
      c.spawner.concurrent_spawns = 2;
      c.spawner.start_line_max = 3;
    });
    try {
      const users = await addUsers(hub, 'b', 7);
      // Two get slots and quickly give them back: the hub learns how fast the line moves.
      for (const user of users.slice(0, 2)) await startServer(hub, admin, user);
      for (const id of [...spawner.launched]) await agentReady(hub, spawner, id);
      for (const user of users.slice(2, 4)) await startServer(hub, admin, user);
      for (const user of users.slice(4, 6))
        assert.equal((await startServer(hub, admin, user)).body.line_position !== null, true);
      const third = await startServer(hub, admin, users[6] as string);
      assert.equal(third.status, 202, 'the third in line is still within the bound');
      await hub.addUser('late');
      const refused = await hub.api<{ code: string; message: string }>('POST', '/users/late/server', {
        token: admin,
        body: {},
      });
      assert.equal(refused.status, 429);
      assert.equal(refused.body.code, 'start_line_full');
      const retry = Number(refused.headers.get('retry-after'));
      assert.ok(Number.isInteger(retry) && retry >= 1, `Retry-After ${refused.headers.get('retry-after')}`);
      assert.match(
        refused.body.message,
        new RegExp(`3 servers are already waiting.*try again in ${retry} s`),
      );
      const late = await hub.hub.db
        .selectFrom('servers')
        .innerJoin('users', 'users.id', 'servers.user_id')
        .select('servers.id')
        .where('users.name', '=', 'late')
        .execute();
      assert.deepEqual(late, [], 'a refused start leaves no row');
    } finally {
      await hub.stop();
    }
  });

  test('with start_line_max 0 there is no line: a start past the slots is refused', async () => {
    const { hub, admin } = await lineHub('instant', (c) => {
      c.spawner.concurrent_spawns = 3;
      c.spawner.start_line_max = 0;
    });
    try {
      const users = await addUsers(hub, 'z', 6);
      const answers = await Promise.all(users.map((u) => startServer(hub, admin, u)));
      assert.deepEqual(answers.map((a) => a.status).sort(), [202, 202, 202, 429, 429, 429]);
      for (const a of answers.filter((r) => r.status === 429))
        assert.match(a.headers.get('retry-after') ?? '', /^[1-9][0-9]*$/);
    } finally {
      await hub.stop();
    }
  });
});

describe('what holds a start slot', () => {
  test('a job waiting in the scheduler’s queue holds none; a running one holds one until its agent reports in', async () => {
    // 'slow' jobs are queued for one poll, then run (a Slurm-like spawner: queuesJobs).
    const { hub, spawner, admin } = await lineHub('slow', (c) => {
      c.spawner.concurrent_spawns = 1;
    });
    try {
      assert.equal(spawner.queuesJobs, true);
      const users = await addUsers(hub, 'q', 4);
      for (const user of users.slice(0, 3)) {
        const res = await startServer(hub, admin, user);
        assert.equal(res.status, 202);
        assert.equal(res.body.line_position, null, `${user}: submitted at once, the scheduler is the line`);
      }
      assert.equal(spawner.launched.length, 3);
      // Once the scheduler runs the jobs, they hold slots (more than there are) until their agents report.
      await until('the jobs run', async () => {
        await hub.running.app.spawning.pollNow();
        const events = hub.running.app.spawning.progress.snapshot(spawner.launched[2] ?? 0).events;
        return events.some((e) => e.message.startsWith('Job running'));
      });
      const fourth = await startServer(hub, admin, users[3] as string);
      assert.equal(fourth.body.line_position, 1, 'the hub’s own work is busy: the fourth waits');
      for (const id of spawner.launched.slice(0, 2)) await agentReady(hub, spawner, id);
      assert.equal(spawner.launched.length, 3, 'still one job starting, in the only slot');
      await agentReady(hub, spawner, spawner.launched[2] ?? 0);
      await until('the fourth is launched', () => spawner.launched.length === 4);
    } finally {
      await hub.stop();
    }
  });
});

describe('a user locked out while their start waits', () => {
  test('blocked through the API: the start leaves the line; blocked or deleted behind the hub’s back: dropped at its turn', async () => {
    const { hub, spawner, admin } = await lineHub('instant', (c) => {
      c.spawner.concurrent_spawns = 1;
    });
    try {
      const [holder, blockedApi, blockedDb, deletedDb, last] = await addUsers(hub, 'l', 5);
      for (const user of [holder, blockedApi, blockedDb, deletedDb, last])
        assert.equal((await startServer(hub, admin, user as string)).status, 202);
      const streams = follow(hub, admin, [blockedApi as string, blockedDb as string, last as string]);
      await streams.connected();
      const patched = await hub.api('PATCH', `/users/${blockedApi}`, {
        token: admin,
        body: { blocked: true },
      });
      assert.equal(patched.status, 200, patched.text);
      await until('the last moves up', () => streams.places(last as string).includes(3));
      // As another tool would: straight into the database, the hub does not hear of it.
      await hub.hub.db
        .updateTable('users')
        .set({ blocked: 1 })
        .where('name', '=', blockedDb as string)
        .execute();
      await hub.hub.db
        .deleteFrom('users')
        .where('name', '=', deletedDb as string)
        .execute();
      const lastId = await serverIdOf(hub, last as string);
      await agentReady(hub, spawner, await serverIdOf(hub, holder as string));
      await until('the last is launched', () => spawner.launched.includes(lastId));
      assert.equal(spawner.launched.length, 2, 'only the holder and the last were launched');
      const ends = await hub.hub.db
        .selectFrom('servers')
        .innerJoin('users', 'users.id', 'servers.user_id')
        .select(['users.name', 'servers.status', 'servers.end_reason', 'servers.end_detail'])
        .where('users.name', 'in', [blockedApi as string, blockedDb as string])
        .orderBy('users.name')
        .execute();
      assert.deepEqual(
        ends.map((e) => [e.name, e.status, e.end_reason]),
        [
          [blockedApi, 'stopped', 'admin_stop'],
          [blockedDb, 'stopped', 'admin_stop'],
        ],
      );
      assert.match(ends[1]?.end_detail ?? '', /blocked while this start waited/);
      await agentReady(hub, spawner, lastId);
      const ended = await streams.ended;
      assert.deepEqual(
        ended.map((events) => (events.at(-1)?.ready ? 'ready' : 'failed')),
        ['failed', 'failed', 'ready'],
      );
    } finally {
      await hub.stop();
    }
  });
});

for (const engine of databaseEngines()) {
  describe(`the line survives a hub restart on ${engine.name}`, () => {
    test('starts that waited when the hub stopped start in the same order; a blocked user’s are dropped', async () => {
      const spawner = createFakeSpawner('instant');
      const hub = await TestHub.start({
        engine: engine.name,
        spawner,
        configure: (c) => {
          c.spawner.concurrent_spawns = 1;
          c.spawner.poll_interval_seconds = 1;
        },
      });
      try {
        await hub.addUser('boss', { admin: true });
        const admin = await hub.tokenFor('boss', ['admin']);
        const [holder, ...waiting] = await addUsers(hub, 'r', 9);
        for (const user of [holder, ...waiting])
          assert.equal((await startServer(hub, admin, user as string)).status, 202);
        const order = await ticketOrder(hub);
        assert.equal(order.length, 8);
        // Behind the hub's back (another tool on the database), one user in line is blocked and
        // another deleted; then the hub restarts.
        const blockedId = await serverIdOf(hub, waiting[2] as string);
        await hub.hub.db
          .updateTable('users')
          .set({ blocked: 1 })
          .where('name', '=', waiting[2] as string)
          .execute();
        const deletedId = await serverIdOf(hub, waiting[4] as string);
        await hub.hub.db
          .deleteFrom('users')
          .where('name', '=', waiting[4] as string)
          .execute();
        await hub.restart();

        assert.deepEqual(
          await ticketOrder(hub),
          order.filter((id) => id !== blockedId && id !== deletedId),
        );
        const first = await hub.api<ServerModel>('GET', `/users/${waiting[0]}`, { token: admin });
        assert.equal(
          (first.body as unknown as { servers: Record<string, ServerModel> }).servers['']?.line_position,
          1,
        );
        const launchedBefore = spawner.launched.length;
        await agentReady(hub, spawner, await serverIdOf(hub, holder as string));
        const expected = order.filter((id) => id !== blockedId && id !== deletedId);
        for (const [n, id] of expected.entries()) {
          await until('the next start is launched', () => spawner.launched.length > launchedBefore + n);
          assert.equal(spawner.launched[launchedBefore + n], id, `the ${n + 1}th start after the restart`);
          await agentReady(hub, spawner, id);
        }
        const blocked = await hub.hub.db
          .selectFrom('servers')
          .select(['status', 'end_reason'])
          .where('id', '=', blockedId)
          .executeTakeFirstOrThrow();
        assert.deepEqual(blocked, { status: 'stopped', end_reason: 'admin_stop' });
      } finally {
        await hub.stop();
      }
    });
  });
}
