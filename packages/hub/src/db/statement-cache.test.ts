// Statements prepared once: the same SQL run again reuses its statement (a hub's database time
// was mostly spent preparing), the bound keeps the most recently used, and a kept statement
// still answers rightly after the schema changed under it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { cachingStatements } from './statement-cache.js';

interface Tables {
  t: { id: number; name: string };
}

/** A database whose prepare() calls are counted, behind the cache and Kysely. */
function counted(max?: number) {
  const sqlite = new SqliteDatabase(':memory:');
  const prepared: string[] = [];
  const prepare = sqlite.prepare.bind(sqlite);
  sqlite.prepare = ((text: string) => {
    prepared.push(text);
    return prepare(text);
  }) as typeof sqlite.prepare;
  const db = new Kysely<Tables>({ dialect: new SqliteDialect({ database: cachingStatements(sqlite, max) }) });
  return { db, prepared };
}

describe('the SQLite statement cache', () => {
  it('prepares a query once however often it runs, with other parameters each time', async () => {
    const { db, prepared } = counted();
    await sql`create table t (id integer primary key, name text)`.execute(db);
    for (let i = 1; i <= 50; i++)
      await db
        .insertInto('t')
        .values({ id: i, name: `n${i}` })
        .execute();
    const names: string[] = [];
    for (let i = 1; i <= 50; i++) {
      const row = await db.selectFrom('t').select('name').where('id', '=', i).executeTakeFirstOrThrow();
      names.push(row.name);
    }
    assert.deepEqual(
      names,
      Array.from({ length: 50 }, (_, i) => `n${i + 1}`),
    );
    assert.equal(prepared.length, 3, prepared.join('\n'));
    await db.transaction().execute(async (tx) => {
      await tx.updateTable('t').set({ name: 'x' }).where('id', '=', 1).execute();
    });
    await db.transaction().execute(async (tx) => {
      await tx.updateTable('t').set({ name: 'y' }).where('id', '=', 2).execute();
    });
    assert.equal(prepared.filter((s) => s === 'begin').length, 1);
    assert.equal(prepared.filter((s) => s === 'commit').length, 1);
    await db.destroy();
  });

  it('keeps at most its bound, dropping the least recently used', async () => {
    const { db, prepared } = counted(2);
    const a = () => sql`select 1 as a`.execute(db);
    const b = () => sql`select 2 as b`.execute(db);
    const c = () => sql`select 3 as c`.execute(db);
    await a();
    await b();
    await a(); // a is now the most recently used
    await c(); // drops b
    await a();
    assert.equal(prepared.length, 3);
    await b();
    assert.equal(prepared.length, 4, 'b was dropped and is prepared again');
    await db.destroy();
  });

  it('answers rightly from a kept statement after the schema changed under it', async () => {
    const { db } = counted();
    await sql`create table t (id integer primary key, name text)`.execute(db);
    await db.insertInto('t').values({ id: 1, name: 'ada' }).execute();
    const read = () => db.selectFrom('t').selectAll().execute();
    assert.deepEqual(await read(), [{ id: 1, name: 'ada' }]);
    await sql`alter table t add column note text default 'new'`.execute(db);
    assert.deepEqual(await read(), [{ id: 1, name: 'ada', note: 'new' }]);
    await db.destroy();
  });
});
