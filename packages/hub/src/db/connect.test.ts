import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { databaseEngines, postgresTestUrl } from '../test-support/db.js';
import { openDatabase } from './connect.js';

describe('opening a SQLite database', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hpchub-connect-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('creates a private directory and file', async () => {
    const path = join(dir, 'data', 'hub.sqlite');
    const h = await openDatabase(`sqlite:${path}`);
    await h.close();
    assert.equal((await stat(join(dir, 'data'))).mode & 0o777, 0o700);
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });

  it('tightens an existing file that others could read', async () => {
    const path = join(dir, 'loose.sqlite');
    await writeFile(path, '', { mode: 0o644 });
    const h = await openDatabase(`sqlite:${path}`);
    await h.close();
    assert.equal((await stat(path)).mode & 0o777, 0o600);
  });

  it('turns on WAL, foreign keys, a busy timeout and NORMAL sync', async () => {
    const h = await openDatabase(`sqlite:${join(dir, 'pragmas.sqlite')}`);
    const pragma = async (name: string) =>
      Object.values(
        (await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(h.db)).rows[0] ?? {},
      )[0];
    assert.equal(await pragma('journal_mode'), 'wal');
    assert.equal(await pragma('foreign_keys'), 1);
    assert.equal(await pragma('busy_timeout'), 5000);
    assert.equal(await pragma('synchronous'), 1);
    await h.close();
  });

  it('opens an in-memory database', async () => {
    const h = await openDatabase('sqlite::memory:');
    assert.equal(h.engine, 'sqlite');
    assert.equal((await sql<{ one: number }>`select 1 as one`.execute(h.db)).rows[0]?.one, 1);
    await h.close();
  });

  it('says which file it could not open', async () => {
    await assert.rejects(openDatabase(`sqlite:${dir}`), /Cannot open the SQLite database/);
    const notDatabase = join(dir, 'notes.txt');
    await writeFile(notDatabase, 'x'.repeat(4096));
    await assert.rejects(openDatabase(`sqlite:${notDatabase}`), (error: Error) => {
      assert.equal(error.message, `Cannot open the SQLite database ${notDatabase}: file is not a database`);
      return true;
    });
  });
});

describe('opening a PostgreSQL database', () => {
  it('fails fast, naming the server but not the password', async () => {
    await assert.rejects(openDatabase('postgres://hub:s3cret@127.0.0.1:1/hub'), (error: Error) => {
      assert.match(
        error.message,
        /^Cannot connect to PostgreSQL at postgres:\/\/hub:\*\*\*@127\.0\.0\.1:1\/hub: /,
      );
      assert.match(error.message, /ECONNREFUSED/);
      assert.doesNotMatch(error.message, /s3cret/);
      return true;
    });
  });

  it('connects to the test server', async () => {
    const h = await openDatabase(postgresTestUrl());
    assert.equal(h.engine, 'postgres');
    await h.close();
  });

  it('survives the server dropping its idle connections, and reconnects', async () => {
    const errors: Error[] = [];
    const h = await openDatabase(postgresTestUrl(), { onPoolError: (error) => errors.push(error) });
    const admin = await openDatabase(postgresTestUrl());
    try {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(h.db);
      await sql`select pg_terminate_backend(${rows[0]?.pid})`.execute(admin.db);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(errors.length, 1);
      assert.equal((await sql<{ one: number }>`select 1 as one`.execute(h.db)).rows[0]?.one, 1);
    } finally {
      await admin.close();
      await h.close();
    }
  });

  it('survives the server dropping a connection a transaction holds between two queries', async () => {
    const h = await openDatabase(postgresTestUrl());
    const admin = await openDatabase(postgresTestUrl());
    try {
      const failed = await h.db
        .transaction()
        .execute(async (tx) => {
          const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(tx);
          await sql`select pg_terminate_backend(${rows[0]?.pid})`.execute(admin.db);
          // The server's goodbye arrives while no query runs on the connection.
          await new Promise((resolve) => setTimeout(resolve, 300));
          await sql`select 1`.execute(tx);
        })
        .then(
          () => false,
          () => true,
        );
      assert.equal(failed, true, 'the transaction fails');
      assert.equal((await sql<{ one: number }>`select 1 as one`.execute(h.db)).rows[0]?.one, 1);
    } finally {
      await admin.close();
      await h.close();
    }
  });
});

describe('closing', () => {
  for (const url of ['sqlite::memory:', postgresTestUrl()]) {
    it(`is idempotent (${url.split(':')[0]})`, async () => {
      const h = await openDatabase(url);
      await Promise.all([h.close(), h.close()]);
      await h.close();
    });
  }

  it('releases the PostgreSQL pool even when no query ran through Kysely', async () => {
    // A closed socket leaves the list of active handles a moment later; wait for it to settle.
    const sockets = async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      return process.getActiveResourcesInfo().filter((r) => r === 'TCPSocketWrap').length;
    };
    const before = await sockets();
    const h = await openDatabase(postgresTestUrl());
    assert.equal(await sockets(), before + 1);
    await h.close();
    assert.equal(await sockets(), before);
  });
});

describe('test databases', () => {
  it('refuse to skip PostgreSQL when it is unreachable, and say how to start it', async () => {
    const [, postgres] = databaseEngines({
      postgresUrl: 'postgres://hpchub_test:s3cret@127.0.0.1:1/postgres',
    });
    assert.equal(postgres?.name, 'postgres');
    await assert.rejects(postgres?.open() ?? Promise.resolve(), (error: Error) => {
      assert.match(error.message, /sudo bash scripts\/provision\/postgres\.sh/);
      assert.doesNotMatch(error.message, /s3cret/);
      return true;
    });
  });

  for (const engine of databaseEngines()) {
    it(`are deleted on close (${engine.name})`, async () => {
      const h = await engine.open();
      await h.close();
      await h.close();
      if (engine.name === 'sqlite') {
        await assert.rejects(stat(h.url.slice('sqlite:'.length)), { code: 'ENOENT' });
      } else {
        const admin = await openDatabase(postgresTestUrl());
        const name = new URL(h.url).pathname.slice(1);
        const found = await sql`select 1 from pg_database where datname = ${name}`.execute(admin.db);
        await admin.close();
        assert.equal(found.rows.length, 0);
      }
    });
  }
});
