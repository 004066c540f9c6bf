// The users API as an admin and as a user would call it, through the real HTTP server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PAGINATION_MEDIA_TYPE, type UserModel } from '@hpchub/protocol';
import { TestHub } from '../test-support/hub.js';
import { queriesDuring, queryLogDuring } from '../test-support/query-log.js';

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`users API on ${engine}`, () => {
    let hub: TestHub;
    let adminToken: string;
    let aliceToken: string;

    before(async () => {
      // Polls a minute apart: the queries a request makes are counted with nothing else running.
      hub = await TestHub.start({
        engine,
        configure: (c) => {
          c.spawner.poll_interval_seconds = 60;
        },
      });
      await hub.addUser('root-admin', { admin: true });
      await hub.addUser('alice');
      adminToken = await hub.tokenFor('root-admin', ['admin']);
      aliceToken = await hub.tokenFor('alice');
    });
    after(() => hub.stop());

    test('GET /hub/api answers the version without authentication', async () => {
      const res = await hub.api<{ version: string; hpchub_version: string }>('GET', '');
      assert.equal(res.status, 200);
      assert.equal(
        res.body.version,
        '5.0.0',
        'the JupyterHub API it follows: clients take their modern path',
      );
      assert.equal(res.body.hpchub_version, hub.hub.version);
    });

    test('GET /user says who I am, with the scopes of my token', async () => {
      const res = await hub.api<UserModel & { scopes: string[] }>('GET', '/user', { token: aliceToken });
      assert.equal(res.status, 200);
      assert.equal(res.body.name, 'alice');
      assert.equal(res.body.admin, false);
      assert.deepEqual(res.body.scopes, ['self']);
    });

    test('an admin creates, reads, changes and deletes a user', async () => {
      const created = await hub.api<UserModel>('POST', '/users/bob', {
        token: adminToken,
        body: { admin: false },
      });
      assert.equal(created.status, 201);
      assert.equal(created.body.name, 'bob');
      assert.equal(created.body.kind, 'user');

      const again = await hub.api('POST', '/users/bob', { token: adminToken });
      assert.equal(again.status, 409);

      const patched = await hub.api<UserModel>('PATCH', '/users/bob', {
        token: adminToken,
        body: { admin: true },
      });
      assert.equal(patched.status, 200);
      assert.equal(patched.body.admin, true);

      const renamed = await hub.api<UserModel>('PATCH', '/users/bob', {
        token: adminToken,
        body: { name: 'robert' },
      });
      assert.equal(renamed.body.name, 'robert');
      assert.equal((await hub.api('GET', '/users/bob', { token: adminToken })).status, 404);

      const deleted = await hub.api('DELETE', '/users/robert', { token: adminToken });
      assert.equal(deleted.status, 204);
      assert.equal((await hub.api('GET', '/users/robert', { token: adminToken })).status, 404);
    });

    test('an admin creates several users at once; one existing name refuses the whole batch', async () => {
      const ok = await hub.api<UserModel[]>('POST', '/users', {
        token: adminToken,
        body: { usernames: ['u1', 'u2'] },
      });
      assert.equal(ok.status, 201);
      assert.deepEqual(
        ok.body.map((u) => u.name),
        ['u1', 'u2'],
      );
      const clash = await hub.api<{ validations: { field: string }[] }>('POST', '/users', {
        token: adminToken,
        body: { usernames: ['u3', 'u1'] },
      });
      assert.equal(clash.status, 409);
      assert.deepEqual(
        clash.body.validations.map((v) => v.field),
        ['usernames.1'],
      );
      assert.equal((await hub.api('GET', '/users/u3', { token: adminToken })).status, 404);
    });

    test('a user reads themself but nobody else, and cannot tell whether others exist', async () => {
      assert.equal((await hub.api('GET', '/users/alice', { token: aliceToken })).status, 200);
      const other = await hub.api('GET', '/users/root-admin', { token: aliceToken });
      const missing = await hub.api('GET', '/users/nobody-here', { token: aliceToken });
      assert.equal(other.status, 404);
      assert.equal(missing.status, 404);
      assert.deepEqual(other.body, missing.body);
    });

    test('a non-admin calling admin routes gets 404, and nothing changes', async () => {
      for (const [method, path, body] of [
        ['GET', '/users', undefined],
        ['POST', '/users/mallory', {}],
        ['PATCH', '/users/alice', { admin: true }],
        ['DELETE', '/users/root-admin', undefined],
        ['POST', '/users', { usernames: ['m1'] }],
        ['GET', '/groups', undefined],
      ] as const) {
        const res = await hub.api<{ code: string }>(method, path, { token: aliceToken, body });
        assert.equal(res.status, 404, `${method} ${path}`);
        assert.equal(res.body.code, 'not_found');
      }
      const me = await hub.api<UserModel>('GET', '/users/alice', { token: adminToken });
      assert.equal(me.body.admin, false);
      assert.equal((await hub.api('GET', '/users/mallory', { token: adminToken })).status, 404);
    });

    test('no credentials: 401 with the error body', async () => {
      const res = await hub.api<{ code: string; message: string }>('GET', '/users');
      assert.equal(res.status, 401);
      assert.equal(res.body.code, 'unauthorized');
      assert.ok(res.body.message.length > 10);
    });

    test('the list pages and filters like JupyterHub', async () => {
      for (const n of ['p1', 'p2', 'p3']) await hub.addUser(n);
      const plain = await hub.api<UserModel[]>('GET', '/users?name_filter=p&limit=2', { token: adminToken });
      assert.deepEqual(
        plain.body.map((u) => u.name),
        ['p1', 'p2'],
      );
      const page = await hub.api<{
        items: UserModel[];
        _pagination: { total: number; next: { offset: number } | null };
      }>('GET', '/users?name_filter=p&limit=2&offset=1', {
        token: adminToken,
        headers: { accept: PAGINATION_MEDIA_TYPE },
      });
      assert.deepEqual(
        page.body.items.map((u) => u.name),
        ['p2', 'p3'],
      );
      assert.equal(page.body._pagination.total, 3);
      assert.equal(page.body._pagination.next, null);
      const first = await hub.api<{ _pagination: { next: { url: string } | null } }>(
        'GET',
        '/users?name_filter=p&limit=2',
        { token: adminToken, headers: { accept: PAGINATION_MEDIA_TYPE } },
      );
      assert.equal(
        first.body._pagination.next?.url,
        `${hub.url}/hub/api/users?name_filter=p&limit=2&offset=2`,
        'a whole URL, as JupyterHub gives it',
      );
      const inactive = await hub.api<UserModel[]>('GET', '/users?state=inactive&name_filter=p', {
        token: adminToken,
      });
      assert.equal(inactive.body.length, 3);
      const ready = await hub.api<UserModel[]>('GET', '/users?state=ready', { token: adminToken });
      assert.equal(ready.body.length, 0);
      const bad = await hub.api('GET', '/users?state=sleeping', { token: adminToken });
      assert.equal(bad.status, 400);
    });

    test('an admin cannot delete or demote themself', async () => {
      assert.equal((await hub.api('DELETE', '/users/root-admin', { token: adminToken })).status, 400);
      assert.equal(
        (await hub.api('PATCH', '/users/root-admin', { token: adminToken, body: { admin: false } })).status,
        400,
      );
    });

    test('blocking a user makes their tokens stop working', async () => {
      await hub.addUser('carol');
      const carol = await hub.tokenFor('carol');
      assert.equal((await hub.api('GET', '/user', { token: carol })).status, 200);
      await hub.api('PATCH', '/users/carol', { token: adminToken, body: { blocked: true } });
      assert.equal((await hub.api('GET', '/user', { token: carol })).status, 401);
    });

    test('a page of the users list costs as many queries whatever its size, and counts every user only for the pagination envelope', async () => {
      for (let i = 0; i < 30; i++) await hub.addUser(`many${String(i).padStart(2, '0')}`);
      const list = async (limit: number, accept?: string) => {
        let status = 0;
        const sql = await queriesDuring(hub.hub.db, async () => {
          const res = await hub.api<unknown[]>('GET', `/users?limit=${limit}`, {
            token: adminToken,
            ...(accept ? { headers: { accept } } : {}),
          });
          status = res.status;
        });
        assert.equal(status, 200);
        // What answering reads (a token's last use is written at most once a minute, aside).
        return sql.filter((q) => /^\s*select/i.test(q));
      };
      const small = await list(2);
      const large = await list(30);
      assert.equal(large.length, small.length, `${small.join('\n')}\n---\n${large.join('\n')}`);
      assert.ok(!large.some((q) => /count\(\*\)/i.test(q)), 'no count over all users for a plain list');
      const envelope = await list(30, PAGINATION_MEDIA_TYPE);
      assert.equal(envelope.filter((q) => /count\(\*\)/i.test(q)).length, 1);
    });

    test("a user's own model and server: their account comes with the token, the rest at once", async () => {
      const reads = async (path: string, token: string, accept = 'application/json') => {
        let status = 0;
        const log = await queryLogDuring(hub.hub.db, async () => {
          status = (await hub.api('GET', path, { token, headers: { accept } })).status;
        });
        assert.equal(status, 200, path);
        // A token's last use is written aside (at most once a minute, never waited for).
        const sql = log.sql.filter((q) => /^\s*select/i.test(q));
        return { sql: sql.length, rounds: log.rounds, log: log.sql.join('\n') };
      };
      const alice = await hub.tokenFor('alice');
      await hub.api('POST', '/users/alice/server', { token: alice, body: {} });
      // Until the start's end, counted once it is over (a stream of a running server ends at once).
      await hub.api('GET', '/users/alice/server/progress', {
        token: alice,
        headers: { accept: 'text/event-stream' },
      });
      // The token with its user, then their groups and servers at once.
      const me = await reads('/user', alice);
      assert.deepEqual([me.sql, me.rounds], [3, 2], me.log);
      const own = await reads('/users/alice', alice);
      assert.deepEqual([own.sql, own.rounds], [3, 2], own.log);
      // Someone else's account is read by its name first.
      const other = await reads('/users/alice', adminToken);
      assert.deepEqual([other.sql, other.rounds], [4, 3], other.log);
      const progress = await reads('/users/alice/server/progress', alice, 'text/event-stream');
      assert.deepEqual([progress.sql, progress.rounds], [2, 2], progress.log);
    });
  });
}
