// When the scheduler will end a running server's job (its time limit), as the spawner last
// polled it: `servers.limit_ends`, for "ends in 9 min: time limit" and the API. Null without a
// limit (the local spawner) and for servers that are not running.
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../url.js';

export function limitEnds(_engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('servers').addColumn('limit_ends', 'text').execute();
    },

    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('servers').dropColumn('limit_ends').execute();
    },
  };
}
