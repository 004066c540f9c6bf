// 0009_usage carries the records of earlier versions over (resources read from their JSON) and
// opens a record for every server still active at the upgrade, on both engines.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { databaseEngines } from '../test-support/db.js';
import { migrateTo, migrateToLatest } from './migrate.js';

const T0 = '2026-01-05T08:00:00.000Z';
const T1 = '2026-01-05T10:30:00.000Z';

for (const engine of databaseEngines()) {
  describe(`0009_usage on ${engine.name}`, () => {
    it('carries old records over and opens records for active servers', async () => {
      const h = await engine.open({ migrate: false });
      try {
        await migrateTo(h, '0008_presets');
        const db = h.db as unknown as Kysely<Record<string, Record<string, unknown>>>;
        const { id: userId } = await db
          .insertInto('users')
          .values({ name: 'ada', created: T0 })
          .returning('id')
          .executeTakeFirstOrThrow();
        await db
          .insertInto('usage_records')
          .values([
            {
              user_name: 'ada',
              server_name: '',
              app: 'jupyterlab',
              resources: JSON.stringify({ cores: 4, gpus: 1, memory_gb: 8, hours: 2, partition: 'gpu' }),
              started: T0,
              ended: T1,
              duration_seconds: 9000,
              end_reason: 'time_limit',
            },
            {
              user_name: 'gone',
              server_name: 'x',
              app: 'code-server',
              resources: 'not json',
              started: T0,
              ended: T1,
              duration_seconds: 9000,
              end_reason: 'user_stop',
            },
          ])
          .execute();
        await db
          .insertInto('servers')
          .values([
            {
              user_id: userId,
              name: 'run',
              app: 'rstudio',
              status: 'running',
              created: T0,
              started: T0,
              ready: T1,
              options: '{"cores":2}',
            },
            {
              user_id: userId,
              name: 'old',
              app: 'rstudio',
              status: 'stopped',
              created: T0,
              started: T0,
              options: '{}',
            },
          ])
          .execute();

        await migrateToLatest(h);
        const rows = await h.db.selectFrom('usage_records').selectAll().orderBy('id').execute();
        assert.equal(rows.length, 3);
        const [ada, gone, run] = rows;
        assert.deepEqual(
          [
            ada?.cores,
            ada?.gpus,
            ada?.memory_gb,
            ada?.partition,
            ada?.requested_run_seconds,
            ada?.used_run_seconds,
          ],
          [4, 1, 8, 'gpu', 7200, 9000],
        );
        assert.deepEqual(
          [ada?.requested_at, ada?.started_at, ada?.ended_at, ada?.end_reason],
          [T0, T0, T1, 'time_limit'],
        );
        assert.deepEqual([gone?.cores, gone?.gpus, gone?.partition, gone?.app], [1, 0, null, 'code-server']);
        assert.deepEqual(
          [
            run?.server_name,
            run?.cores,
            run?.requested_at,
            run?.ready_at,
            run?.ended_at,
            run?.used_run_seconds,
          ],
          ['run', 2, T0, T1, null, null],
        );
        const server = await h.db
          .selectFrom('servers')
          .select('id')
          .where('name', '=', 'run')
          .executeTakeFirstOrThrow();
        assert.equal(run?.server_id, server.id);
        // And back down: the earlier table, empty, as 0001 made it.
        await migrateTo(h, '0008_presets');
        const { rows: old } = await sql<{ n: number }>`select count(*) as n from usage_records`.execute(h.db);
        assert.equal(Number(old[0]?.n), 0);
      } finally {
        await h.close();
      }
    });
  });
}
