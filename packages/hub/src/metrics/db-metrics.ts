// The database's share of the hub's time: every query's duration by engine and class of
// statement (select, insert, update, delete, other), and the queries that failed. A point query
// on SQLite takes a few microseconds, so recording one is a few additions (slot-histogram.ts).
import { Counter, type Registry } from 'prom-client';
import type { Engine, QueryObserver, QueryOperation } from '../db/index.js';
import { SlotHistogram } from './slot-histogram.js';

const ENGINES: readonly Engine[] = ['sqlite', 'postgres'];
const OPERATIONS: readonly QueryOperation[] = ['select', 'insert', 'update', 'delete', 'other'];
const SLOTS = ENGINES.flatMap((engine) => OPERATIONS.map((operation) => ({ engine, operation })));
/** From a cached SQLite page to a report over millions of rows. */
const BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export class DatabaseMetrics implements QueryObserver {
  readonly #durations: SlotHistogram;
  readonly #errors: Counter<'engine' | 'operation'>;

  constructor(registry: Registry) {
    this.#durations = new SlotHistogram(registry, {
      name: 'hpchub_db_query_duration_seconds',
      help: 'Time a database query took, by engine (sqlite, postgres) and operation (select, insert, update, delete, other).',
      slots: SLOTS,
      buckets: BUCKETS,
    });
    this.#errors = new Counter({
      name: 'hpchub_db_query_errors_total',
      help: 'Database queries that failed, by engine and operation.',
      labelNames: ['engine', 'operation'],
      registers: [registry],
    });
  }

  query(engine: Engine, operation: QueryOperation, seconds: number, failed: boolean): void {
    const slot = ENGINES.indexOf(engine) * OPERATIONS.length + OPERATIONS.indexOf(operation);
    this.#durations.observe(slot, seconds);
    if (failed) this.#errors.inc({ engine, operation });
  }
}
