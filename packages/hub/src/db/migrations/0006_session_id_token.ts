// A session signed in through OpenID Connect keeps the provider's ID token, which signing out
// hands back to the provider as `id_token_hint` so that its session ends too (RP-initiated logout).
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../url.js';

export function sessionIdToken(_engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('sessions').addColumn('id_token', 'text').execute();
    },

    async down(db: Kysely<unknown>) {
      await db.schema.alterTable('sessions').dropColumn('id_token').execute();
    },
  };
}
