// Every query reaches the metrics through the observer the database was opened with, on both
// engines: its duration by engine and operation, and a query that fails as an error. Nothing of
// the statement's text or values becomes a label.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase } from '../db/index.js';
import { databaseEngines } from '../test-support/db.js';
import { metricValue } from '../test-support/metric-values.js';
import { createUser } from '../users/store.js';
import { HubMetrics } from './hub-metrics.js';

for (const engine of databaseEngines()) {
  describe(`database metrics on ${engine.name}`, () => {
    it('times each query by operation and counts the ones that fail', async () => {
      const scratch = await engine.open();
      const metrics = new HubMetrics();
      const observed = await openDatabase(scratch.url, { observer: metrics.queries });
      try {
        const queries = (operation: string) =>
          metricValue(
            metrics.registry,
            'hpchub_db_query_duration_seconds',
            { engine: engine.name, operation },
            '_count',
          );
        await createUser(observed.db, { name: 'grace' });
        assert.equal(await queries('insert'), 1);
        const selects = await queries('select');
        await observed.db.selectFrom('users').select('id').where('name', '=', 'grace').execute();
        assert.equal(await queries('select'), selects + 1);
        await observed.db.updateTable('users').set({ admin: 1 }).where('name', '=', 'grace').execute();
        assert.equal(await queries('update'), 1);
        await observed.db.deleteFrom('users').where('name', '=', 'nobody').execute();
        assert.equal(await queries('delete'), 1);

        await assert.rejects(sql`select * from no_such_table`.execute(observed.db));
        assert.equal(await queries('other'), 1, 'raw SQL is other, and a failed query is timed too');
        assert.equal(
          await metricValue(metrics.registry, 'hpchub_db_query_errors_total', {
            engine: engine.name,
            operation: 'other',
          }),
          1,
        );
        assert.ok(
          (await metricValue(
            metrics.registry,
            'hpchub_db_query_duration_seconds',
            { engine: engine.name, operation: 'select' },
            '_sum',
          )) > 0,
        );
        assert.doesNotMatch(await metrics.registry.metrics(), /grace|no_such_table/);
      } finally {
        await observed.close();
        await scratch.close();
      }
    });
  });
}
