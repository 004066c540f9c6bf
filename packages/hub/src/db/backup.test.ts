// `hpchub db backup FILE` while the database is being written: on both engines, each backup is
// one consistent snapshot (every transaction wholly in or wholly out), holds everything committed
// before it started, restores, and is private to the hub's account.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { databaseEngines, type TestDatabase } from '../test-support/db.js';

const bin = new URL('../../bin/hpchub.js', import.meta.url).pathname;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real command in a process of its own, as an admin runs it next to a running hub. */
function hpchub(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += String(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += String(c);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Writes until stopped, one transaction at a time, each adding a user, a group and the user's
 * membership in it: a consistent copy has as many of each.
 */
function startWriter(database: TestDatabase): { committed: () => number; stop: () => Promise<void> } {
  let committed = 0;
  let stopping = false;
  const created = new Date().toISOString();
  const loop = (async () => {
    while (!stopping) {
      const i = committed;
      await database.db.transaction().execute(async (trx) => {
        const user = await trx
          .insertInto('users')
          .values({ name: `w${i}`, created })
          .returning('id')
          .executeTakeFirstOrThrow();
        const group = await trx
          .insertInto('groups')
          .values({ name: `g${i}`, description: 'x'.repeat(200), created })
          .returning('id')
          .executeTakeFirstOrThrow();
        await trx.insertInto('memberships').values({ user_id: user.id, group_id: group.id }).execute();
      });
      committed = i + 1;
      // Let the event loop breathe (SQLite's driver is synchronous).
      await new Promise((r) => setImmediate(r));
    }
  })();
  return {
    committed: () => committed,
    stop: async () => {
      stopping = true;
      await loop;
    },
  };
}

interface Counts {
  users: number;
  groups: number;
  memberships: number;
}

const COUNT_SQL = {
  users: "select count(*) as n from users where name like 'w%'",
  groups: "select count(*) as n from groups where name like 'g%'",
  memberships: 'select count(*) as n from memberships',
};

function sqliteCounts(file: string): Counts {
  const copy = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  try {
    assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
    assert.deepEqual(copy.pragma('foreign_key_check'), []);
    const n = (q: string) => (copy.prepare(q).get() as { n: number }).n;
    return { users: n(COUNT_SQL.users), groups: n(COUNT_SQL.groups), memberships: n(COUNT_SQL.memberships) };
  } finally {
    copy.close();
  }
}

/** Restores a pg_dump file into a new empty database and counts there. */
async function postgresCounts(file: string): Promise<Counts> {
  const target = await (databaseEngines()[1] as { open(o: object): Promise<TestDatabase> }).open({
    migrate: false,
  });
  try {
    const url = new URL(target.url);
    const env = { ...process.env, PGPASSWORD: decodeURIComponent(url.password) };
    url.password = '';
    const restore = await new Promise<Run>((resolve, reject) => {
      const child = spawn('pg_restore', ['--no-owner', '--exit-on-error', `--dbname=${url}`, file], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => {
        stderr += String(c);
      });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, stdout: '', stderr }));
    });
    assert.equal(restore.code, 0, restore.stderr);
    const n = async (q: string) =>
      Number((await sql<{ n: number }>`${sql.raw(q)}`.execute(target.db)).rows[0]?.n);
    return {
      users: await n(COUNT_SQL.users),
      groups: await n(COUNT_SQL.groups),
      memberships: await n(COUNT_SQL.memberships),
    };
  } finally {
    await target.close();
  }
}

for (const engine of databaseEngines()) {
  describe(`hpchub db backup (${engine.name})`, () => {
    let dir: string;
    let database: TestDatabase;

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'hpchub-backup-'));
      database = await engine.open();
    });
    after(async () => {
      await database.close();
      await rm(dir, { recursive: true, force: true });
    });

    const backup = (file: string, ...more: string[]) =>
      hpchub(['db', 'backup', file, '--db-url', database.url, '--data-dir', dir, ...more]);

    test('each backup taken during writes is consistent, complete up to its start, and restores', async () => {
      // Everything committed stays in the -wal file (no checkpoints), so a copy of the database
      // file alone would miss it: only a real backup holds it all.
      if (engine.name === 'sqlite') await sql`pragma wal_autocheckpoint = 0`.execute(database.db);
      const writer = startWriter(database);
      const seen: { before: number; counts: Counts; after: number }[] = [];
      try {
        for (let round = 0; round < 3; round++) {
          // Some writes first, so every backup has something new.
          const target = writer.committed() + 20;
          while (writer.committed() < target) await new Promise((r) => setTimeout(r, 5));
          const file = join(dir, `backup-${round}`);
          const committedBefore = writer.committed();
          const run = await backup(file);
          const committedAfter = writer.committed();
          assert.equal(run.code, 0, run.stderr);
          assert.match(run.stdout, /^Backed up .* to .*backup-\d \(\d+ bytes/);
          assert.equal((await stat(file)).mode & 0o777, 0o600, 'the copy is private');
          const counts = engine.name === 'sqlite' ? sqliteCounts(file) : await postgresCounts(file);
          seen.push({ before: committedBefore, counts, after: committedAfter });
        }
      } finally {
        await writer.stop();
      }
      for (const { before, counts, after } of seen) {
        assert.equal(counts.groups, counts.users, 'each transaction is wholly in the copy or wholly out');
        assert.equal(counts.memberships, counts.users);
        assert.ok(
          counts.users >= before,
          `the copy holds all ${before} transactions committed before it began`,
        );
        assert.ok(counts.users <= after);
      }
      // The writer kept committing while the backups ran.
      assert.ok((seen.at(-1)?.after ?? 0) > (seen[0]?.before ?? 0));
    });

    test('an existing FILE is kept unless --force', async () => {
      const file = join(dir, 'backup-0');
      const size = (await stat(file)).size;
      const refused = await backup(file);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /already exists.*--force/);
      assert.equal((await stat(file)).size, size);
      const forced = await backup(file, '--force');
      assert.equal(forced.code, 0, forced.stderr);
    });
  });
}

test('without pg_dump, a PostgreSQL backup fails with the advice on how to make one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hpchub-backup-'));
  try {
    const run = await hpchub(
      ['db', 'backup', join(dir, 'hub.dump'), '--db-url', 'postgres://hub:secret-pw@127.0.0.1:1/hub'],
      { ...process.env, PATH: join(dir, 'no-such-dir') },
    );
    assert.equal(run.code, 1);
    assert.match(run.stderr, /pg_dump is not installed.*pg_dump --format=custom.*pg_restore/s);
    assert.doesNotMatch(run.stderr, /secret-pw/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a backup of a missing SQLite file says so and writes nothing', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'hpchub-backup-'));
  try {
    const run = await hpchub([
      'db',
      'backup',
      join(dir, 'copy'),
      '--db-url',
      `sqlite:${join(dir, 'none.sqlite')}`,
    ]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /no SQLite database at/);
    await assert.rejects(stat(join(dir, 'copy')));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
