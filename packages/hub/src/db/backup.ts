// A consistent copy of the hub database taken while the hub runs (`hpchub db backup FILE`).
//
// SQLite: SQLite's online backup API (better-sqlite3's backup()), on a connection of its own.
// The pages are copied in a single step, which holds one read transaction: in WAL mode (the
// hub's) that is a snapshot of the last committed state, including what is still in the -wal
// file, and the hub's writers are not blocked meanwhile. (Copied in many small steps, a write by
// the hub between two steps would make SQLite start the copy again, possibly for ever on a busy
// hub.) The copy is written next to FILE, checked with `PRAGMA integrity_check` and then renamed
// into place, so FILE is either a complete database or not there.
//
// PostgreSQL: pg_dump, whose dump is one transaction's snapshot, in its custom format (restore
// with pg_restore). The password travels in PGPASSWORD, never in argv (`ps` shows argv to all).
import { spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import SqliteDatabase from 'better-sqlite3';
import { describeError } from './connect.js';
import { parseDatabaseUrl, redactUrl } from './url.js';

export interface BackupResult {
  engine: 'sqlite' | 'postgres';
  file: string;
  bytes: number;
}

/** A backup that could not be made, with what to do about it. */
export class BackupError extends Error {}

/** How a site backs up a PostgreSQL hub database; printed when pg_dump is missing, and in docs/deploy.md. */
export const PG_DUMP_ADVICE =
  'Back up a PostgreSQL hub database with pg_dump (from the PostgreSQL client package of the ' +
  "server's major version or newer), e.g. `pg_dump --format=custom --file=hub.dump 'postgres://USER@HOST/DB'` " +
  'with the password in PGPASSWORD or ~/.pgpass; restore it into an empty database with ' +
  '`pg_restore --no-owner --dbname=...`. The dump is one consistent snapshot, taken while the hub runs.';

export async function backupDatabase(url: string, file: string, options: { force?: boolean } = {}) {
  if (existsSync(file) && !options.force) {
    throw new BackupError(`${file} already exists; remove it, choose another name, or pass --force.`);
  }
  const target = parseDatabaseUrl(url);
  if (target.engine === 'postgres') return dumpPostgres(target.url, file);
  if (target.path === ':memory:') throw new BackupError('An in-memory database cannot be backed up.');
  return backupSqlite(target.path, file);
}

async function backupSqlite(path: string, file: string): Promise<BackupResult> {
  if (!existsSync(path)) throw new BackupError(`There is no SQLite database at ${path}.`);
  const partial = `${file}.partial-${process.pid}`;
  let source: SqliteDatabase.Database | undefined;
  try {
    // The copy holds password and token hashes: private from its first byte, like the database.
    closeSync(openSync(partial, 'w', 0o600));
    chmodSync(partial, 0o600);
    source = new SqliteDatabase(path, { readonly: true, fileMustExist: true });
    source.pragma('busy_timeout = 5000');
    // The first transfer only sets the copy up; the number returned here makes the second one
    // copy every page in one step (see the top of this file).
    await source.backup(partial, { progress: () => 0x7fffffff });
    const copy = new SqliteDatabase(partial, { fileMustExist: true });
    try {
      const check = copy.pragma('integrity_check', { simple: true });
      if (check !== 'ok') throw new BackupError(`The copy failed SQLite's integrity check: ${String(check)}`);
      // A self-contained file: no -wal beside it is needed to read it.
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
    renameSync(partial, file);
    return { engine: 'sqlite', file, bytes: statSync(file).size };
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`Cannot back up ${path} to ${file}: ${describeError(error)}`, { cause: error });
  } finally {
    source?.close();
    rmSync(partial, { force: true });
    rmSync(`${partial}-journal`, { force: true });
  }
}

async function dumpPostgres(url: string, file: string): Promise<BackupResult> {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password) || parsed.searchParams.get('password') || '';
  parsed.password = '';
  parsed.searchParams.delete('password');
  const env: NodeJS.ProcessEnv = { ...process.env, PGAPPNAME: 'hpchub-backup' };
  if (password) env.PGPASSWORD = password;
  const partial = `${file}.partial-${process.pid}`;
  const args = ['--format=custom', '--no-password', `--file=${partial}`, `--dbname=${parsed.toString()}`];
  const result = await new Promise<{ code: number | null; stderr: string; missing: boolean }>((resolve) => {
    const child = spawn('pg_dump', args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += String(chunk);
    });
    child.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ code: null, stderr: err.message, missing: err.code === 'ENOENT' }),
    );
    child.on('close', (code) => resolve({ code, stderr, missing: false }));
  });
  try {
    if (result.missing) throw new BackupError(`pg_dump is not installed on this machine. ${PG_DUMP_ADVICE}`);
    if (result.code !== 0) {
      throw new BackupError(
        `pg_dump could not back up ${redactUrl(url)}: ${result.stderr.trim() || `exit code ${result.code}`}`,
      );
    }
    chmodSync(partial, 0o600);
    renameSync(partial, file);
    return { engine: 'postgres', file, bytes: statSync(file).size };
  } finally {
    rmSync(partial, { force: true });
  }
}
