import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { databaseEngines } from '../test-support/db.js';
import type { HubDatabase } from './connect.js';
import { openDatabase } from './connect.js';
import { migrateTo, migrateToLatest, migrationStatus, pendingMigrations } from './migrate.js';
import { migrationsFor } from './migrations/index.js';

/** Every migration in the order it runs, so adding one does not mean editing these tests. */
const MIGRATIONS = Object.keys(migrationsFor('sqlite')).sort();
const LATEST = MIGRATIONS.at(-1) as string;

const TABLES = [
  'api_tokens',
  'groups',
  'hub_kv',
  'memberships',
  'news_items',
  'presets',
  'servers',
  'sessions',
  'share_codes',
  'shares',
  'spawn_choices',
  'usage_record_groups',
  'usage_records',
  'usage_summaries',
  'usage_users',
  'users',
];

async function hubTables(h: HubDatabase): Promise<string[]> {
  const tables = await h.db.introspection.getTables();
  return tables
    .map((t) => t.name)
    .filter((name) => !name.startsWith('hpchub_migration'))
    .sort();
}

for (const engine of databaseEngines()) {
  describe(`migrations on ${engine.name}`, () => {
    it('create every table of an empty database', async () => {
      const h = await engine.open({ migrate: false });
      try {
        assert.deepEqual(await pendingMigrations(h), MIGRATIONS);
        assert.deepEqual(await migrateToLatest(h), { applied: MIGRATIONS });
        assert.deepEqual(await hubTables(h), TABLES);
        assert.deepEqual(await migrationStatus(h), { applied: MIGRATIONS, pending: [], unknown: [] });
      } finally {
        await h.close();
      }
    });

    it('do nothing the second time', async () => {
      const h = await engine.open();
      try {
        assert.deepEqual(await migrateToLatest(h), { applied: [] });
        assert.deepEqual(await pendingMigrations(h), []);
      } finally {
        await h.close();
      }
    });

    it('go down to nothing and up again', async () => {
      const h = await engine.open();
      try {
        assert.deepEqual(await migrateTo(h, null), { applied: [], reverted: [...MIGRATIONS].reverse() });
        assert.deepEqual(await hubTables(h), []);
        assert.deepEqual(await pendingMigrations(h), MIGRATIONS);
        assert.deepEqual(await migrateTo(h, LATEST), { applied: MIGRATIONS, reverted: [] });
        await h.db.insertInto('users').values({ name: 'ada', created: new Date().toISOString() }).execute();
        assert.deepEqual(await hubTables(h), TABLES);
      } finally {
        await h.close();
      }
    });

    it('name the migration that failed and leave the database as it was', async () => {
      const h = await engine.open({ migrate: false });
      try {
        // A stray table with the name of the last one 0001_initial creates makes it fail at the end.
        await h.db.schema.createTable('hub_kv').addColumn('stray', 'text').execute();
        await assert.rejects(migrateToLatest(h), (error: Error) => {
          assert.match(
            error.message,
            /^Database migration 0001_initial \(up\) failed: .*hub_kv.*already exists/,
          );
          assert.ok(error.cause);
          return true;
        });
        assert.deepEqual(await hubTables(h), ['hub_kv']);
        assert.deepEqual(await pendingMigrations(h), MIGRATIONS);
      } finally {
        await h.close();
      }
    });

    it('refuse a database a newer hpchub has upgraded', async () => {
      const h = await engine.open();
      try {
        await sql`insert into hpchub_migration (name, timestamp) values ('9999_future', ${new Date().toISOString()})`.execute(
          h.db,
        );
        assert.deepEqual((await migrationStatus(h)).unknown, ['9999_future']);
        await assert.rejects(migrateToLatest(h), /does not know \(9999_future\): a newer hpchub upgraded it/);
      } finally {
        await h.close();
      }
    });

    it('apply once when several hubs start together', async () => {
      const h = await engine.open({ migrate: false });
      try {
        const runs = await concurrentMigrations(engine.name, h.url, 4);
        assert.deepEqual(runs.flat(), MIGRATIONS);
        assert.deepEqual(await hubTables(h), TABLES);
      } finally {
        await h.close();
      }
    });
  });
}

/**
 * Runs migrateToLatest from `count` hubs at once; returns what each applied. PostgreSQL: separate
 * pools in this process. SQLite: separate processes, because better-sqlite3 waits for a lock
 * synchronously and would block this process's event loop.
 */
async function concurrentMigrations(engine: string, url: string, count: number): Promise<string[][]> {
  const hubs = Array.from({ length: count }, () => undefined);
  if (engine === 'postgres') {
    const opened = await Promise.all(hubs.map(() => openDatabase(url)));
    try {
      return (await Promise.all(opened.map((h) => migrateToLatest(h)))).map((r) => r.applied);
    } finally {
      await Promise.all(opened.map((h) => h.close()));
    }
  }
  const script = `
    import { migrateToLatest, openDatabase } from ${JSON.stringify(new URL('./index.ts', import.meta.url).href)};
    const h = await openDatabase(${JSON.stringify(url)});
    const { applied } = await migrateToLatest(h);
    await h.close();
    console.log(JSON.stringify(applied));`;
  const run = promisify(execFile);
  const outputs = await Promise.all(
    hubs.map(() => run(process.execPath, ['--import', 'tsx', '--input-type=module', '--eval', script])),
  );
  return outputs.map((o) => JSON.parse(o.stdout) as string[]);
}
