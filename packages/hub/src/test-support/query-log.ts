// The SQL a hub runs while a piece of work runs, for tests that the number of queries a request
// makes does not grow with what it returns. Every Kysely executor of the database (transactions
// make their own) is watched while `work` runs; the hub's background work (polls) runs too, so
// tests give it a long interval or filter what they count.
import type { Kysely } from 'kysely';

export async function queriesDuring<DB>(db: Kysely<DB>, work: () => Promise<unknown>): Promise<string[]> {
  const proto = Object.getPrototypeOf(db.getExecutor()) as {
    executeQuery(this: unknown, query: { sql: string }, ...rest: unknown[]): Promise<unknown>;
  };
  const original = proto.executeQuery;
  const seen: string[] = [];
  proto.executeQuery = function (this: unknown, query, ...rest) {
    seen.push(query.sql);
    return original.call(this, query, ...rest);
  };
  try {
    await work();
  } finally {
    proto.executeQuery = original;
  }
  return seen;
}
