// The spawn form's memory: each user's last validated choices per app (cores, memory, partition,
// custom script…), written when a start is accepted and offered as the form's values next time.
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../url.js';
import { userReference } from './columns.js';

export function spawnChoices(_engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('spawn_choices')
        .addColumn('user_id', 'integer', userReference)
        .addColumn('app', 'text', (col) => col.notNull())
        .addColumn('options', 'text', (col) => col.notNull())
        .addColumn('updated', 'text', (col) => col.notNull())
        // One row per user and app; the key also serves the lookup and the cascade.
        .addPrimaryKeyConstraint('spawn_choices_pkey', ['user_id', 'app'])
        .execute();
    },

    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('spawn_choices').execute();
    },
  };
}
