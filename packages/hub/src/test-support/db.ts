// Fresh, migrated, empty hub databases for tests: a temporary SQLite file, or a PostgreSQL
// database of its own on the test server. Suites that must hold on both engines loop over
// databaseEngines(); the rest take openTestDatabase().
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describeError } from '../db/connect.js';
import { type Engine, type HubDatabase, migrateToLatest, openDatabase, redactUrl } from '../db/index.js';
import { postgresUrl } from './components.js';

export interface TestDatabase extends HubDatabase {
  /** The URL it was opened with, for a second connection or a child process. */
  url: string;
}

export interface OpenTestOptions {
  /** false: leave it without any table, not even the migration bookkeeping. Default true. */
  migrate?: boolean;
}

export interface TestEngine {
  name: Engine;
  /** A new empty database, migrated unless asked not to; close() deletes it. */
  open(options?: OpenTestOptions): Promise<TestDatabase>;
}

/**
 * Both engines. The PostgreSQL one needs the server `scripts/provision/postgres.sh` sets up (or
 * the URL in HPCHUB_TEST_PG_URL, of a role with CREATEDB); when it is unreachable, open() fails
 * with instructions rather than skipping, so a green run always means both engines passed.
 */
export function databaseEngines(options: { postgresUrl?: string } = {}): TestEngine[] {
  return [
    { name: 'sqlite', open: openSqliteTestDatabase },
    {
      name: 'postgres',
      open: (openOptions) => openPostgresTestDatabase(options.postgresUrl ?? postgresTestUrl(), openOptions),
    },
  ];
}

/** A fresh migrated SQLite database in a temporary file, for tests that need just one database. */
export function openTestDatabase(): Promise<TestDatabase> {
  return openSqliteTestDatabase();
}

/** The maintenance-database URL of the PostgreSQL test role (see components.ts). */
export const postgresTestUrl = postgresUrl;

async function openSqliteTestDatabase(options: OpenTestOptions = {}): Promise<TestDatabase> {
  const dir = await mkdtemp(join(tmpdir(), 'hpchub-db-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const url = `sqlite:${join(dir, 'hub.sqlite')}`;
  try {
    return await prepare(await openDatabase(url), url, options, cleanup);
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function openPostgresTestDatabase(
  adminUrl: string,
  options: OpenTestOptions = {},
): Promise<TestDatabase> {
  const name = `hpchub_test_${randomBytes(6).toString('hex')}`;
  await admin(adminUrl, `create database ${name}`);
  const cleanup = async () => {
    // Terminate first: DROP DATABASE refuses while anything (a leaked pool, a test that did not
    // close) is still connected.
    await admin(
      adminUrl,
      `select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}' and pid <> pg_backend_pid()`,
    );
    await admin(adminUrl, `drop database if exists ${name}`);
  };
  const parsed = new URL(adminUrl);
  parsed.pathname = `/${name}`;
  const url = parsed.toString();
  try {
    return await prepare(await openDatabase(url), url, options, cleanup);
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** Migrates `h` unless told not to, and makes its close() also run `cleanup`, once. */
async function prepare(
  h: HubDatabase,
  url: string,
  options: OpenTestOptions,
  cleanup: () => Promise<void>,
): Promise<TestDatabase> {
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= h.close().finally(cleanup);
    return closing;
  };
  try {
    if (options.migrate !== false) await migrateToLatest(h);
  } catch (error) {
    await h.close();
    throw error;
  }
  return { db: h.db, engine: h.engine, url, close };
}

/** One statement on the maintenance database, on a connection of its own. */
async function admin(adminUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => {});
    throw new Error(
      `The PostgreSQL test server at ${redactUrl(adminUrl)} is not reachable (${describeError(error)}). ` +
        'Start it with: sudo bash scripts/provision/postgres.sh — or set HPCHUB_TEST_PG_URL to a role with CREATEDB.',
      { cause: error },
    );
  }
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
