// Brings a database's schema to the version this hub expects (`hpchub db upgrade`, and every
// start). One run applies all pending migrations as a single transaction on both engines: a
// failure leaves the database exactly as it was.
import {
  type Kysely,
  type MigrationResult,
  type MigrationResultSet,
  Migrator,
  NO_MIGRATIONS,
  sql,
} from 'kysely';
import { describeError, type HubDatabase } from './connect.js';
import { migrationsFor } from './migrations/index.js';
import type { Database } from './schema.js';
import type { Engine } from './url.js';

/** Where Kysely records applied migrations; prefixed so the hub can share a schema with other tools. */
const MIGRATION_TABLE = 'hpchub_migration';
const MIGRATION_LOCK_TABLE = 'hpchub_migration_lock';

export interface MigrationStatus {
  /** Applied migrations this hub knows, in order. */
  applied: string[];
  /** Migrations this hub would apply, in order. */
  pending: string[];
  /** Applied migrations this hub does not know: a newer hpchub upgraded the database. */
  unknown: string[];
}

export async function migrationStatus(h: HubDatabase): Promise<MigrationStatus> {
  const known = Object.keys(migrationsFor(h.engine)).sort();
  const tables = await h.db.introspection.getTables({ withInternalKyselyTables: true });
  const done = tables.some((t) => t.name === MIGRATION_TABLE)
    ? (await sql<{ name: string }>`select name from ${sql.table(MIGRATION_TABLE)}`.execute(h.db)).rows.map(
        (r) => r.name,
      )
    : [];
  return {
    applied: known.filter((name) => done.includes(name)),
    pending: known.filter((name) => !done.includes(name)),
    unknown: done.filter((name) => !known.includes(name)).sort(),
  };
}

/** Names of the migrations migrateToLatest() would apply (`hpchub db upgrade --dry-run`). */
export async function pendingMigrations(h: HubDatabase): Promise<string[]> {
  return (await migrationStatus(h)).pending;
}

/**
 * Applies every pending migration. Safe to call from several hubs at once: on PostgreSQL, Kysely
 * holds an advisory lock while it reads what is applied and migrates, so the others wait and
 * then find nothing to do; on SQLite the run is one BEGIN IMMEDIATE transaction, which has the
 * same effect. Throws an Error naming the migration that failed.
 */
export async function migrateToLatest(h: HubDatabase): Promise<{ applied: string[] }> {
  await refuseNewerDatabase(h);
  const results = await run(h, (m) => m.migrateToLatest());
  return { applied: names(results, 'Up') };
}

/**
 * Migrates up or down to `target`, the name of the last migration to keep applied, or null to
 * revert everything (tests, and downgrading by hand before running an older hpchub).
 */
export async function migrateTo(
  h: HubDatabase,
  target: string | null,
): Promise<{ applied: string[]; reverted: string[] }> {
  await refuseNewerDatabase(h);
  const results = await run(h, (m) => m.migrateTo(target ?? NO_MIGRATIONS));
  return { applied: names(results, 'Up'), reverted: names(results, 'Down') };
}

async function refuseNewerDatabase(h: HubDatabase): Promise<void> {
  const { unknown } = await migrationStatus(h);
  if (unknown.length > 0) {
    throw new Error(
      `The database has migrations this version of hpchub does not know (${unknown.join(', ')}): ` +
        'a newer hpchub upgraded it. Run that version, or restore the backup taken before the upgrade.',
    );
  }
}

type Action = (m: Migrator) => Promise<MigrationResultSet>;

async function run(h: HubDatabase, action: Action): Promise<MigrationResult[]> {
  const result =
    h.engine === 'sqlite' ? await inSqliteTransaction(h, action) : await action(migrator(h.db, h.engine));
  if (result.error !== undefined) throw migrationError(result);
  return result.results ?? [];
}

// Kysely's SQLite adapter runs migrations outside any transaction, so a failure half way would
// leave half a schema behind. SQLite does roll back DDL: run the whole batch, bookkeeping rows
// included, in one BEGIN IMMEDIATE, which also makes a second process on the same file wait
// (busy_timeout) instead of migrating alongside. The Migrator gets the connection-bound Kysely;
// SQLite has only the one connection.
function inSqliteTransaction(h: HubDatabase, action: Action): Promise<MigrationResultSet> {
  return h.db.connection().execute(async (conn) => {
    await sql`begin immediate`.execute(conn);
    let result: MigrationResultSet;
    try {
      result = await action(migrator(conn, h.engine));
    } catch (error) {
      await sql`rollback`.execute(conn);
      throw error;
    }
    await (result.error === undefined ? sql`commit` : sql`rollback`).execute(conn);
    return result;
  });
}

function migrator(db: Kysely<Database>, engine: Engine): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => migrationsFor(engine) },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
}

function migrationError(result: MigrationResultSet): Error {
  const failed = result.results?.find((r) => r.status === 'Error');
  const reason = describeError(result.error);
  const message = failed
    ? `Database migration ${failed.migrationName} (${failed.direction.toLowerCase()}) failed: ${reason}. ` +
      'The database was left as it was before this run.'
    : `Database migrations could not run: ${reason}`;
  return new Error(message, { cause: result.error });
}

function names(results: MigrationResult[], direction: MigrationResult['direction']): string[] {
  return results
    .filter((r) => r.status === 'Success' && r.direction === direction)
    .map((r) => r.migrationName);
}
