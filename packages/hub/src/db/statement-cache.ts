// better-sqlite3 behind Kysely, with each statement prepared once. Kysely's SQLite driver
// prepares every query it runs anew, and preparing (parsing and planning the SQL) cost the hub
// more than running most of its queries (found by bench:scale: about a third of the database
// time of a restarted hub's first requests). Statements are kept by their SQL, the most recently
// used ones, up to a bound: queries with lists of varying length (`in (?, ?, …)`) make new SQL.
// Reusing one is safe because the driver runs one query at a time on the one connection, each
// to its end (all() or run()) before the next; SQLite prepares a kept statement again by itself
// when the schema changed under it (a migration).
import type SqliteDatabase from 'better-sqlite3';
import type { SqliteDatabase as KyselySqlite, SqliteStatement } from 'kysely';

const DEFAULT_MAX = 500;

export function cachingStatements(database: SqliteDatabase.Database, max = DEFAULT_MAX): KyselySqlite {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      let statement = statements.get(sql);
      if (statement) {
        // Most recently used last: the first in the map is the one to drop.
        statements.delete(sql);
      } else {
        statement = database.prepare(sql) as unknown as SqliteStatement;
        if (statements.size >= max) statements.delete(statements.keys().next().value as string);
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}
