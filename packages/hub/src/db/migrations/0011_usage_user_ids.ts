// Usage summaries list their distinct users as numbers of usage_users rather than names: the
// statistics count distinct users of a range by merging those lists, which is several times
// faster on small integers. Names stay in usage_users for good, like the records' names (they
// survive deleted accounts). The summaries 0010 built held names: they go, and the hub builds
// them again at its next start.
import type { Kysely, Migration } from 'kysely';
import { sql } from 'kysely';
import type { Engine } from '../url.js';
import { idColumn } from './columns.js';

export function usageUserIds(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('usage_users')
        .addColumn('id', 'integer', idColumn(engine))
        .addColumn('name', 'text', (col) => col.notNull().unique())
        .execute();
      await dropSummaries(db);
    },

    async down(db: Kysely<unknown>) {
      await dropSummaries(db);
      await db.schema.dropTable('usage_users').execute();
    },
  };
}

/** Empties the summaries and forgets their zone, so the next start builds them. */
async function dropSummaries(db: Kysely<unknown>): Promise<void> {
  await sql`delete from usage_summaries`.execute(db);
  await sql`delete from hub_kv where key = 'usage_summaries.zone'`.execute(db);
}
