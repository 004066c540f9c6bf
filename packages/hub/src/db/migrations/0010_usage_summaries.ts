// Usage summaries: what the usage records of one local day, ISO week or month add up to, per
// app and partition, over all records (grouped = 0) and per group of the user at the time
// (grouped = 1, '' for no group). The statistics read these instead of every record; the record
// writer keeps them in the same transaction as the record. Their periods are those of a time
// zone, the hub's configuration, which a migration does not know: the hub fills them when it
// starts (usage/summaries-build.ts) from the records, again whenever that zone changes.
import type { Kysely, Migration } from 'kysely';

export function usageSummaries(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('usage_summaries')
        .addColumn('grouped', 'integer', (col) => col.notNull())
        .addColumn('kind', 'text', (col) => col.notNull())
        .addColumn('period', 'text', (col) => col.notNull())
        .addColumn('app', 'text', (col) => col.notNull())
        // '' for starts that named no partition.
        .addColumn('partition', 'text', (col) => col.notNull())
        .addColumn('grp', 'text', (col) => col.notNull())
        .addColumn('sessions', 'integer', (col) => col.notNull())
        // Sums of cores (GPUs) × used run time of ended starts: a month's overflow 32 bits.
        .addColumn('core_seconds', 'bigint', (col) => col.notNull())
        .addColumn('gpu_seconds', 'bigint', (col) => col.notNull())
        // JSON: the distinct user names, sorted; and [seconds, starts, …] pairs, by seconds.
        .addColumn('users', 'text', (col) => col.notNull())
        .addColumn('queue_waits', 'text', (col) => col.notNull())
        .addColumn('times_to_ready', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('usage_summaries_pkey', [
          'grouped',
          'kind',
          'period',
          'app',
          'partition',
          'grp',
        ])
        .execute();
    },

    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('usage_summaries').execute();
    },
  };
}
