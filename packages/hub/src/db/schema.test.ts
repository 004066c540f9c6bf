// The schema's promises, held on both engines: constraints, cascades, and the portable column
// conventions of schema.ts (ISO text timestamps, 0/1 booleans, JSON text, generated ids).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { databaseEngines, type TestDatabase } from '../test-support/db.js';
import { isForeignKeyViolation, isUniqueViolation } from './errors.js';

const NOW = '2025-03-01T12:00:00.000Z';

for (const engine of databaseEngines()) {
  describe(`schema on ${engine.name}`, () => {
    let h: TestDatabase;
    before(async () => {
      h = await engine.open();
    });
    after(() => h.close());

    // Each test uses its own names, so the tests share one database.
    const addUser = async (name: string) =>
      (
        await h.db
          .insertInto('users')
          .values({ name, created: NOW })
          .returning('id')
          .executeTakeFirstOrThrow()
      ).id;

    it('returns generated ids from an insert, counting up', async () => {
      const first = await addUser('returning-1');
      const second = await addUser('returning-2');
      assert.equal(typeof first, 'number');
      assert.equal(second, first + 1);
      const row = await h.db
        .insertInto('groups')
        .values({ name: 'physics', created: NOW })
        .returningAll()
        .executeTakeFirstOrThrow();
      assert.deepEqual(row, { id: row.id, name: 'physics', description: '', created: NOW });
    });

    it('rejects a second user with the same name', async () => {
      await addUser('twice');
      await assert.rejects(addUser('twice'), (error) => isUniqueViolation(error));
    });

    it('rejects a second token with the same hash', async () => {
      const userId = await addUser('token-owner');
      const token = { user_id: userId, hash: 'ab'.repeat(32), prefix: 'hpc_ab', scopes: '[]', created: NOW };
      await h.db.insertInto('api_tokens').values(token).execute();
      await assert.rejects(h.db.insertInto('api_tokens').values(token).execute(), (error) =>
        isUniqueViolation(error),
      );
    });

    it('allows one server of a name per user', async () => {
      const ada = await addUser('server-ada');
      const bob = await addUser('server-bob');
      const server = (user_id: number) => ({
        user_id,
        name: 'lab',
        app: 'jupyterlab',
        status: 'stopped',
        created: NOW,
      });
      await h.db
        .insertInto('servers')
        .values([server(ada), server(bob)])
        .execute();
      await assert.rejects(h.db.insertInto('servers').values(server(ada)).execute(), (error) =>
        isUniqueViolation(error),
      );
    });

    it('rejects a duplicate membership and one of a user that does not exist', async () => {
      const userId = await addUser('member');
      const group = await h.db
        .insertInto('groups')
        .values({ name: 'members', created: NOW })
        .returning('id')
        .executeTakeFirstOrThrow();
      await h.db.insertInto('memberships').values({ user_id: userId, group_id: group.id }).execute();
      await assert.rejects(
        h.db.insertInto('memberships').values({ user_id: userId, group_id: group.id }).execute(),
        (error) => isUniqueViolation(error),
      );
      await assert.rejects(
        h.db.insertInto('memberships').values({ user_id: 999_999, group_id: group.id }).execute(),
        (error) => isForeignKeyViolation(error),
      );
    });

    it("deletes a user's tokens, sessions, memberships and servers with the user, but keeps usage", async () => {
      const userId = await addUser('leaving');
      const author = await addUser('leaving-author');
      const group = await h.db
        .insertInto('groups')
        .values({ name: 'leavers', created: NOW })
        .returning('id')
        .executeTakeFirstOrThrow();
      await h.db.insertInto('memberships').values({ user_id: userId, group_id: group.id }).execute();
      await h.db
        .insertInto('api_tokens')
        .values({ user_id: userId, hash: 'cd'.repeat(32), prefix: 'hpc_cd', scopes: '[]', created: NOW })
        .execute();
      await h.db
        .insertInto('sessions')
        .values({
          id_hash: 'ef'.repeat(32),
          user_id: userId,
          csrf_token: 'x',
          created: NOW,
          expires_at: NOW,
          last_seen: NOW,
        })
        .execute();
      await h.db
        .insertInto('servers')
        .values({ user_id: userId, name: '', app: 'jupyterlab', status: 'running', created: NOW })
        .execute();
      await h.db
        .insertInto('usage_records')
        .values({
          user_name: 'leaving',
          server_name: '',
          app: 'jupyterlab',
          cores: 2,
          gpus: 0,
          requested_at: NOW,
          ended_at: NOW,
          used_run_seconds: 3600,
          end_reason: 'user_stop',
        })
        .execute();
      const news = await h.db
        .insertInto('news_items')
        .values({ kind: 'news', title: 't', body: 'b', created: NOW, updated: NOW, author_id: author })
        .returning('id')
        .executeTakeFirstOrThrow();

      await h.db.deleteFrom('users').where('id', 'in', [userId, author]).execute();

      const count = async (table: 'api_tokens' | 'sessions' | 'memberships' | 'servers') =>
        (await h.db.selectFrom(table).selectAll().where('user_id', '=', userId).execute()).length;
      assert.deepEqual(
        [
          await count('api_tokens'),
          await count('sessions'),
          await count('memberships'),
          await count('servers'),
        ],
        [0, 0, 0, 0],
      );
      const usage = await h.db
        .selectFrom('usage_records')
        .selectAll()
        .where('user_name', '=', 'leaving')
        .execute();
      assert.equal(usage.length, 1);
      assert.equal(usage[0]?.cores, 2);
      const item = await h.db
        .selectFrom('news_items')
        .selectAll()
        .where('id', '=', news.id)
        .executeTakeFirstOrThrow();
      assert.equal(item.author_id, null);
    });

    it('keeps JSON text exactly, and defaults JSON columns to {}', async () => {
      const userId = await addUser('json');
      const options = {
        cores: 2,
        memory: '4G',
        modules: ['gcc/13', 'python/3.12'],
        note: 'ünïcödé "quoted" 🚀',
      };
      const row = await h.db
        .insertInto('servers')
        .values({
          user_id: userId,
          name: 'json',
          app: 'jupyterlab',
          status: 'pending',
          created: NOW,
          options: JSON.stringify(options),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      assert.deepEqual(JSON.parse(row.options), options);
      assert.equal(row.spawner_state, '{}');
      assert.equal(row.route, null);
    });

    it('sorts ISO timestamps in time order', async () => {
      const times = [
        '2024-12-31T23:59:59.999Z',
        '2025-01-01T00:00:00.000Z',
        '2025-01-01T00:00:00.001Z',
        '2025-01-01T09:30:00.000Z',
        '2025-01-10T00:00:00.000Z',
        '2025-10-01T00:00:00.000Z',
      ];
      const shuffled = [times[3], times[0], times[5], times[2], times[4], times[1]] as string[];
      await h.db
        .insertInto('usage_records')
        .values(
          shuffled.map((ended) => ({
            user_name: 'sorter',
            server_name: '',
            app: 'rstudio',
            cores: 1,
            gpus: 0,
            requested_at: times[0] as string,
            ended_at: ended,
            used_run_seconds: 1,
            end_reason: 'time_limit',
          })),
        )
        .execute();
      const sorted = await h.db
        .selectFrom('usage_records')
        .select('ended_at')
        .where('user_name', '=', 'sorter')
        .orderBy('ended_at')
        .execute();
      assert.deepEqual(
        sorted.map((r) => r.ended_at),
        times,
      );
      const later = await h.db
        .selectFrom('usage_records')
        .select('ended_at')
        .where('user_name', '=', 'sorter')
        .where('ended_at', '>', '2025-01-01T00:00:00.000Z')
        .execute();
      assert.equal(later.length, 4);
    });

    it('stores booleans as 0 and 1, defaulting to 0', async () => {
      const row = await h.db
        .insertInto('users')
        .values({ name: 'flags', created: NOW })
        .returningAll()
        .executeTakeFirstOrThrow();
      assert.deepEqual([row.admin, row.blocked], [0, 0]);
      await h.db.updateTable('users').set({ admin: 1 }).where('id', '=', row.id).execute();
      const admins = await h.db.selectFrom('users').select('name').where('admin', '=', 1).execute();
      assert.deepEqual(
        admins.map((r) => r.name),
        ['flags'],
      );
    });

    it('counts as a number', async () => {
      const row = await h.db
        .selectFrom('users')
        .select((eb) => [eb.fn.countAll().as('n'), eb.fn.sum('admin').as('admins')])
        .executeTakeFirstOrThrow();
      assert.equal(typeof row.n, 'number');
      assert.equal(typeof row.admins, 'number');
    });
  });
}
