// The SQL a hub runs while a piece of work runs, for tests that the number of queries a request
// makes does not grow with what it returns, and that independent ones go out together. Every
// Kysely executor of the database (transactions make their own) is watched while `work` runs;
// the hub's background work (polls) runs too, so tests give it a long interval or filter what
// they count.
import type { Kysely } from 'kysely';

export interface QueryLog {
  /** Each query's SQL, in the order sent. */
  sql: string[];
  /**
   * Queries sent while no other was waiting for its answer: the round trips one after another
   * (on PostgreSQL, what a request waits for), however many go out at once within each.
   */
  rounds: number;
}

export async function queryLogDuring<DB>(db: Kysely<DB>, work: () => Promise<unknown>): Promise<QueryLog> {
  const proto = Object.getPrototypeOf(db.getExecutor()) as {
    executeQuery(this: unknown, query: { sql: string }, ...rest: unknown[]): Promise<unknown>;
  };
  const original = proto.executeQuery;
  const log: QueryLog = { sql: [], rounds: 0 };
  let waiting = 0;
  proto.executeQuery = function (this: unknown, query, ...rest) {
    log.sql.push(query.sql);
    if (waiting === 0) log.rounds += 1;
    waiting += 1;
    return original.call(this, query, ...rest).finally(() => {
      waiting -= 1;
    });
  };
  try {
    await work();
  } finally {
    proto.executeQuery = original;
  }
  return log;
}

export async function queriesDuring<DB>(db: Kysely<DB>, work: () => Promise<unknown>): Promise<string[]> {
  return (await queryLogDuring(db, work)).sql;
}
