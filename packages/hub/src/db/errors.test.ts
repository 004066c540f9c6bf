// Which database errors mean "cannot be reached right now" (a 503) rather than a fault of the
// request or of the hub (a 500): real errors of a real PostgreSQL server that refuses, or that
// ends a connection, and of constraint and syntax failures, which must not count.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { postgresTestUrl } from '../test-support/db.js';
import { openDatabase } from './connect.js';
import { isDatabaseUnreachable } from './errors.js';

/** The error `promise` rejects with. */
async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected a failure'),
    (error: unknown) => error,
  );
}

describe('a database that cannot be reached', () => {
  it('is a server refusing connections (nothing listens)', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://nobody@127.0.0.1:1/none' });
    const error = await errorOf(pool.query('select 1'));
    await pool.end();
    assert.equal(isDatabaseUnreachable(error), true, String(error));
  });

  it('is a connection the server ends (a restart terminates every backend)', async () => {
    const h = await openDatabase(postgresTestUrl());
    const admin = await openDatabase(postgresTestUrl());
    try {
      const error = await errorOf(
        h.db.connection().execute(async (db) => {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db);
          await sql`select pg_terminate_backend(${rows[0]?.pid})`.execute(admin.db);
          await new Promise((resolve) => setTimeout(resolve, 300));
          await sql`select 1`.execute(db);
        }),
      );
      assert.equal(isDatabaseUnreachable(error), true, String(error));
    } finally {
      await admin.close();
      await h.close();
    }
  });

  it('is not a query that is wrong or fails', async () => {
    const h = await openDatabase(postgresTestUrl());
    try {
      assert.equal(isDatabaseUnreachable(await errorOf(sql`selec 1`.execute(h.db))), false);
      assert.equal(isDatabaseUnreachable(await errorOf(sql`select 1 / 0`.execute(h.db))), false);
    } finally {
      await h.close();
    }
    assert.equal(isDatabaseUnreachable(new Error('something else')), false);
    assert.equal(isDatabaseUnreachable(undefined), false);
  });
});
