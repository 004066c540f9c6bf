// Share codes (JupyterHub 5's "share codes"): an expiring secret that an owner hands out (a link
// on a slide, in a chat) and that anyone signed in may redeem for a share of the server. Only the
// code's SHA-256 is stored; `max_exchanges` makes a code single- or n-use (null: until it expires).
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../url.js';
import { idColumn } from './columns.js';

export function shareCodes(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('share_codes')
        .addColumn('id', 'integer', idColumn(engine))
        .addColumn('server_id', 'integer', (col) =>
          col.notNull().references('servers.id').onDelete('cascade'),
        )
        .addColumn('code_hash', 'text', (col) => col.notNull().unique())
        .addColumn('created', 'text', (col) => col.notNull())
        .addColumn('expires_at', 'text', (col) => col.notNull())
        .addColumn('max_exchanges', 'integer')
        .addColumn('exchange_count', 'integer', (col) => col.notNull().defaultTo(0))
        .addColumn('last_exchanged_at', 'text')
        .execute();
      await db.schema.createIndex('share_codes_server_id').on('share_codes').column('server_id').execute();
    },

    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('share_codes').execute();
    },
  };
}
