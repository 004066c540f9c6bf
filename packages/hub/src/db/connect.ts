// Opens the hub database named by a URL: an embedded SQLite file or a PostgreSQL server. The
// rest of the hub sees only a Kysely<Database> and which engine it runs on.
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { type QueryObserver, queryLogger } from './query-timing.js';
import type { Database } from './schema.js';
import { cachingStatements } from './statement-cache.js';
import { type Engine, parseDatabaseUrl, redactUrl } from './url.js';

export interface HubDatabase {
  db: Kysely<Database>;
  engine: Engine;
  /** Closes the file or the connection pool. Safe to call more than once. */
  close(): Promise<void>;
}

export interface OpenOptions {
  /**
   * Called when an idle pooled PostgreSQL connection fails (server restart, admin termination).
   * The pool drops that connection and opens a new one on the next query, so the default is to
   * ignore it; without some listener, pg would crash the process.
   */
  onPoolError?: (error: Error) => void;
  /** Told how long every query took (the hub's metrics); default: nobody, and no timing at all. */
  observer?: QueryObserver | undefined;
}

const PG_POOL_SIZE = 10;
// pg closes a connection idle for 10 s by default; opening one again costs a server process and a
// SCRAM exchange while a request waits. A hub's traffic comes in bursts: keep them for minutes.
const PG_IDLE_MS = 300_000;
const PG_CONNECT_TIMEOUT_MS = 10_000;
const PG_INT8_OID = 20;

/**
 * Opens the database named by `url`: `sqlite:/abs/path.sqlite`, `sqlite::memory:`,
 * `postgres://…` or `postgresql://…`. Throws an Error for any other URL, or when the database
 * cannot be opened or reached. Does not migrate; call migrateToLatest() for that.
 */
export async function openDatabase(url: string, options: OpenOptions = {}): Promise<HubDatabase> {
  const target = parseDatabaseUrl(url);
  const log = options.observer && queryLogger(target.engine, options.observer);
  const hub =
    target.engine === 'sqlite' ? openSqlite(target.path, log) : await openPostgres(target.url, options, log);
  let closing: Promise<void> | undefined;
  return {
    db: hub.db,
    engine: hub.engine,
    close: () => {
      closing ??= hub.close();
      return closing;
    },
  };
}

type QueryLog = ReturnType<typeof queryLogger> | undefined;

function openSqlite(path: string, log: QueryLog): HubDatabase {
  let sqlite: SqliteDatabase.Database | undefined;
  try {
    if (path !== ':memory:') createPrivateFile(path);
    sqlite = new SqliteDatabase(path);
    // WAL lets readers proceed while the hub writes; NORMAL sync is durable in WAL mode except
    // for the last transactions before a power loss, which is the usual trade-off for WAL.
    // The first pragma is also where SQLite notices a file that is not a database.
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
  } catch (error) {
    sqlite?.close();
    throw new Error(`Cannot open the SQLite database ${path}: ${describeError(error)}`, { cause: error });
  }
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: cachingStatements(sqlite) }),
    ...(log ? { log } : {}),
  });
  return {
    db,
    engine: 'sqlite',
    // Kysely's destroy() skips a driver that never ran a query; close the file ourselves then.
    close: async () => {
      await db.destroy();
      if (sqlite.open) sqlite.close();
    },
  };
}

/**
 * The database holds password and token hashes: its directory is created 0700 and the file is
 * kept 0600. SQLite gives the -wal and -shm files the mode of the database file.
 */
function createPrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

async function openPostgres(url: string, options: OpenOptions, log: QueryLog): Promise<HubDatabase> {
  const pool = new pg.Pool({
    connectionString: url,
    max: PG_POOL_SIZE,
    idleTimeoutMillis: PG_IDLE_MS,
    connectionTimeoutMillis: PG_CONNECT_TIMEOUT_MS,
    application_name: 'hpchub',
    // count(*) and sum() are bigint in PostgreSQL, which pg returns as strings; SQLite returns
    // numbers. Parsing int8 as a number keeps one query's result the same on both engines.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8_OID && format !== 'binary'
          ? (value: string) => Number(value)
          : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  pool.on('error', options.onPoolError ?? (() => {}));
  // The pool listens for errors only on idle connections. One that a transaction holds between
  // two queries when the server goes away (a restart) would otherwise crash the process with an
  // unhandled 'error' event; its next query fails instead, and the pool then discards it.
  pool.on('connect', (client) => client.on('error', () => {}));
  try {
    await pool.query('select 1');
  } catch (error) {
    await pool.end().catch(() => {});
    throw new Error(`Cannot connect to PostgreSQL at ${redactUrl(url)}: ${describeError(error)}`, {
      cause: error,
    });
  }
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...(log ? { log } : {}) });
  return {
    db,
    engine: 'postgres',
    // Kysely's destroy() skips a driver that never ran a query, which would leave this pool's
    // connection open (and the process alive) until the idle timeout.
    close: async () => {
      await db.destroy();
      if (!pool.ended) await pool.end();
    },
  };
}

/** A one-line reason; Node reports a refused dual-stack connect as an AggregateError with no message. */
export function describeError(error: unknown): string {
  if (error instanceof AggregateError && error.message === '') {
    return error.errors.map(describeError).join('; ');
  }
  if (error instanceof Error)
    return error.message || String((error as { code?: unknown }).code ?? error.name);
  return String(error);
}
