// The hub's line of starts waiting for a free start slot lives in the database, so a restarted
// hub lines them up again in the same order: `servers.line_ticket`, set while a start waits.
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../url.js';

export function startLine(_engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('servers').addColumn('line_ticket', 'integer').execute();
    },

    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('servers').dropColumn('line_ticket').execute();
    },
  };
}
