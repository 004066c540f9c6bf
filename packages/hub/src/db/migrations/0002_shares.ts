// Sharing a server: one row per user or group that may reach another user's server through the
// proxy. The owner's own access is implied and never stored.
import { type Kysely, type Migration, sql } from 'kysely';
import type { Engine } from '../url.js';
import { idColumn } from './columns.js';

export function shares(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('shares')
        .addColumn('id', 'integer', idColumn(engine))
        .addColumn('server_id', 'integer', (col) =>
          col.notNull().references('servers.id').onDelete('cascade'),
        )
        .addColumn('user_id', 'integer', (col) => col.references('users.id').onDelete('cascade'))
        .addColumn('group_id', 'integer', (col) => col.references('groups.id').onDelete('cascade'))
        .addColumn('created', 'text', (col) => col.notNull())
        // Exactly one grantee per row: a user or a group.
        .addCheckConstraint('shares_one_grantee', sql`(user_id is null) <> (group_id is null)`)
        // NULLs are distinct in unique constraints on both engines, so each of these only binds
        // the rows of its kind of grantee.
        .addUniqueConstraint('shares_server_id_user_id', ['server_id', 'user_id'])
        .addUniqueConstraint('shares_server_id_group_id', ['server_id', 'group_id'])
        .execute();
      // The unique constraints serve lookups by server; these serve the cascades.
      await db.schema.createIndex('shares_user_id').on('shares').column('user_id').execute();
      await db.schema.createIndex('shares_group_id').on('shares').column('group_id').execute();
    },

    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('shares').execute();
    },
  };
}
