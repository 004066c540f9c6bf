// The time of every query, for the hub's metrics, through Kysely's log hook: with a logger set,
// Kysely times each query itself. The statement is classed by its operation node (select,
// insert, update, delete; anything else, raw SQL and schema changes included, is `other`),
// never by its text or its values.
import type { LogEvent } from 'kysely';
import type { Engine } from './url.js';

export type QueryOperation = 'select' | 'insert' | 'update' | 'delete' | 'other';

/** Told of every query: its engine, class, duration and whether it failed. Must be cheap. */
export interface QueryObserver {
  query(engine: Engine, operation: QueryOperation, seconds: number, failed: boolean): void;
}

const OPERATIONS: Readonly<Record<string, QueryOperation>> = {
  SelectQueryNode: 'select',
  InsertQueryNode: 'insert',
  UpdateQueryNode: 'update',
  DeleteQueryNode: 'delete',
};

/** Kysely's `log` option reporting to `observer`. */
export function queryLogger(engine: Engine, observer: QueryObserver): (event: LogEvent) => void {
  return (event) =>
    observer.query(
      engine,
      OPERATIONS[event.query.query.kind] ?? 'other',
      event.queryDurationMillis / 1000,
      event.level === 'error',
    );
}
