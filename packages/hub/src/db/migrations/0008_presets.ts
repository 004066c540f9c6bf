// Presets: start settings a user saved under a name ("GPU analysis") to start from with one
// click. The options are the spawn form's values as a start stores them (JSON), checked against
// the form again whenever the preset is used.
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../url.js';
import { idColumn, userReference } from './columns.js';

export function presets(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('presets')
        .addColumn('id', 'integer', idColumn(engine))
        .addColumn('user_id', 'integer', userReference)
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('app', 'text', (col) => col.notNull())
        .addColumn('options', 'text', (col) => col.notNull())
        .addColumn('created', 'text', (col) => col.notNull())
        .addUniqueConstraint('presets_user_id_name', ['user_id', 'name'])
        .execute();
    },

    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('presets').execute();
    },
  };
}
