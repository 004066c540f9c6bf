// The usage summaries the record writer keeps (summaries.ts), on SQLite and PostgreSQL: written
// step by step they equal the ones built from the records afterwards; statistics from them equal
// the statistics counted from the records for every grouping, split, filter and a range that
// cuts weeks and months; a step written twice, or rolled back and written again, counts once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { databaseEngines, type TestDatabase } from '../test-support/db.js';
import { HISTORY_ZONE, writeHistory } from '../test-support/usage-history.js';
import { createUser } from '../users/store.js';
import {
  buildSummaries,
  openRecord,
  recordEnded,
  recordReady,
  recordRunning,
  recordSubmitted,
  syncSummaries,
  type UsageFilters,
  type UsageQuery,
  usageStatistics,
} from './index.js';
import { SUMMARY_ZONE_KEY } from './summaries.js';

const NOW = new Date('2026-11-04T12:00:00.000Z');

async function summaries(h: TestDatabase) {
  return h.db
    .selectFrom('usage_summaries')
    .selectAll()
    .orderBy(['grouped', 'kind', 'period', 'app', 'partition', 'grp'])
    .execute()
    .then((rows) =>
      rows.map((r) => ({ ...r, core_seconds: Number(r.core_seconds), gpu_seconds: Number(r.gpu_seconds) })),
    );
}

/** The statistics of `q` from the records: with the summaries' zone unset, nothing reads them. */
async function fromRecords(h: TestDatabase, q: UsageQuery) {
  const zone = await h.db
    .selectFrom('hub_kv')
    .selectAll()
    .where('key', '=', SUMMARY_ZONE_KEY)
    .executeTakeFirst();
  await h.db.deleteFrom('hub_kv').where('key', '=', SUMMARY_ZONE_KEY).execute();
  try {
    return await usageStatistics(h.db, q);
  } finally {
    if (zone) await h.db.insertInto('hub_kv').values(zone).execute();
  }
}

for (const engine of databaseEngines()) {
  describe(`usage summaries on ${engine.name}`, () => {
    let h: TestDatabase;

    before(async () => {
      h = await engine.open();
      // Kept from the start (an empty database), then by every step of the history.
      await buildSummaries(h.db, HISTORY_ZONE);
      await writeHistory(h.db);
    });
    after(() => h.close());

    test('kept step by step, they equal the ones built from the records', async () => {
      const kept = await summaries(h);
      assert.ok(kept.length > 0);
      const built = await buildSummaries(h.db, HISTORY_ZONE);
      assert.equal(built.rows, kept.length);
      assert.deepEqual(await summaries(h), kept);
      // Numbered 1, 2, … with no gaps: one number per user, however many steps they wrote.
      const ids = await h.db.selectFrom('usage_users').select('id').orderBy('id').execute();
      assert.deepEqual(
        ids.map((r) => Number(r.id)),
        [1, 2, 3, 4],
      );
    });

    const filters: UsageFilters[] = [
      {},
      { app: 'jupyterlab' },
      { group: 'chem' },
      { partition: 'gpu' },
      { group: 'physics', partition: 'normal' },
      { app: 'nothing-like-it' },
    ];
    const ranges = [
      ['2025-12-01', '2026-11-30'],
      // Cuts a week at both ends (a Wednesday to a Monday), and months.
      ['2025-12-31', '2026-03-30'],
      ['2026-10-25', '2026-10-25'],
    ] as const;
    for (const groupBy of ['week', 'day', 'month'] as const)
      for (const by of ['app', 'group', 'partition', undefined] as const)
        test(`by ${groupBy} and ${by ?? 'nothing'}: the same as from the records`, async () => {
          for (const [from, to] of ranges)
            for (const f of filters) {
              const q: UsageQuery = { from, to, groupBy, by, filters: f, zone: HISTORY_ZONE, now: NOW };
              assert.deepEqual(
                await usageStatistics(h.db, q),
                await fromRecords(h, q),
                `${from}..${to} ${JSON.stringify(f)}`,
              );
            }
        });

    test('a step written twice, or rolled back and written again, counts once', async () => {
      const user = await createUser(h.db, { name: 'erin', admin: false, passwordHash: null });
      const id = 9001;
      const start = { serverId: id, user, app: 'jupyterlab', serverName: '', options: { cores: 3, gpus: 1 } };
      // Sunday 28 December 2025, 23:00 in Zurich: runs into the next week and the next year.
      await openRecord(h.db, start, '2025-12-28T22:00:00.000Z');
      await recordSubmitted(h.db, id, '2025-12-28T22:00:05.000Z', false);
      await recordSubmitted(h.db, id, '2025-12-28T22:00:05.000Z', false);
      await recordRunning(h.db, id, '2025-12-28T22:01:00.000Z', 'n1');
      await recordRunning(h.db, id, '2025-12-28T22:01:30.000Z', 'n1');
      await recordReady(h.db, id, '2025-12-28T22:02:00.000Z', 'n1');
      await recordReady(h.db, id, '2025-12-28T22:02:00.000Z', 'n1');
      await assert.rejects(
        h.db.transaction().execute(async (tx) => {
          await recordEnded(tx, id, '2026-01-02T10:00:00.000Z', 'user_stop');
          throw new Error('the server row could not be written');
        }),
        /could not be written/,
      );
      await recordEnded(h.db, id, '2026-01-02T10:00:00.000Z', 'user_stop');
      await recordEnded(h.db, id, '2026-01-02T11:00:00.000Z', 'user_stop');

      const kept = await summaries(h);
      await buildSummaries(h.db, HISTORY_ZONE);
      assert.deepEqual(await summaries(h), kept);
      const q: UsageQuery = {
        from: '2025-12-22',
        to: '2026-01-04',
        groupBy: 'week',
        by: 'app',
        filters: { app: 'jupyterlab' },
        zone: HISTORY_ZONE,
        now: NOW,
      };
      const stats = await usageStatistics(h.db, q);
      const erin = stats.rows.find((r) => r.period === '2025-12-22');
      assert.deepEqual(erin, {
        period: '2025-12-22',
        key: 'jupyterlab',
        sessions: 1,
        users: 1,
        // Running from 22:01 on 28 December to 10:00 on 2 January: 388,740 s on 3 cores, 1 GPU.
        core_hours: 323.95,
        gpu_hours: 107.98,
        median_queue_wait_seconds: 55,
        median_time_to_ready_seconds: 120,
      });
    });

    test('records written while none were kept (before the upgrade) are summarised once, at the next sync', async () => {
      const other = await engine.open();
      try {
        await writeHistory(other.db);
        assert.equal((await summaries(other)).length, 0);
        const q: UsageQuery = {
          from: '2025-12-01',
          to: '2026-11-30',
          groupBy: 'week',
          by: 'group',
          zone: HISTORY_ZONE,
          now: NOW,
        };
        const expected = await usageStatistics(other.db, q);
        const built = await syncSummaries(other.db, HISTORY_ZONE);
        assert.equal(built?.records, 15);
        assert.equal(await syncSummaries(other.db, HISTORY_ZONE), undefined);
        assert.ok((await summaries(other)).length > 0);
        assert.deepEqual(await usageStatistics(other.db, q), expected);
      } finally {
        await other.close();
      }
    });

    test('built in another time zone, they count its days; the statistics of the hub’s zone come from the records', async () => {
      const q: UsageQuery = {
        from: '2025-12-01',
        to: '2026-11-30',
        groupBy: 'day',
        by: 'app',
        zone: HISTORY_ZONE,
        now: NOW,
      };
      const expected = await fromRecords(h, q);
      await buildSummaries(h.db, 'America/New_York');
      assert.deepEqual(await usageStatistics(h.db, q), expected);
      const ny = { ...q, zone: 'America/New_York' };
      assert.deepEqual(await usageStatistics(h.db, ny), await fromRecords(h, ny));
      await buildSummaries(h.db, HISTORY_ZONE);
    });
  });
}
