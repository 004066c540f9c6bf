// The first schema: every table and column of schema.ts as of hpchub 0.1. Migrations take
// Kysely<unknown> on purpose: they must keep working when schema.ts has moved on.
import type { Kysely, Migration } from 'kysely';
import type { Engine } from '../url.js';
import { flagColumn, idColumn, textDefault, userReference } from './columns.js';

/** Dependents after the tables they reference; `down` drops them in reverse. */
const TABLES = [
  'users',
  'groups',
  'memberships',
  'api_tokens',
  'sessions',
  'servers',
  'news_items',
  'usage_records',
  'hub_kv',
] as const;

export function initial(engine: Engine): Migration {
  const id = idColumn(engine);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'integer', id)
        .addColumn('name', 'text', (col) => col.notNull().unique())
        .addColumn('admin', 'integer', flagColumn)
        .addColumn('password_hash', 'text')
        .addColumn('blocked', 'integer', flagColumn)
        .addColumn('created', 'text', (col) => col.notNull())
        .addColumn('last_activity', 'text')
        .execute();

      await db.schema
        .createTable('groups')
        .addColumn('id', 'integer', id)
        .addColumn('name', 'text', (col) => col.notNull().unique())
        .addColumn('description', 'text', textDefault(''))
        .addColumn('created', 'text', (col) => col.notNull())
        .execute();

      await db.schema
        .createTable('memberships')
        .addColumn('user_id', 'integer', userReference)
        .addColumn('group_id', 'integer', (col) => col.notNull().references('groups.id').onDelete('cascade'))
        .addPrimaryKeyConstraint('memberships_pkey', ['user_id', 'group_id'])
        .execute();
      // The primary key serves lookups by user; this one serves "members of a group" and the
      // cascade when a group is deleted.
      await db.schema.createIndex('memberships_group_id').on('memberships').column('group_id').execute();

      await db.schema
        .createTable('api_tokens')
        .addColumn('id', 'integer', id)
        .addColumn('user_id', 'integer', userReference)
        .addColumn('hash', 'text', (col) => col.notNull().unique())
        .addColumn('prefix', 'text', (col) => col.notNull())
        .addColumn('scopes', 'text', (col) => col.notNull())
        .addColumn('note', 'text', textDefault(''))
        .addColumn('created', 'text', (col) => col.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('last_activity', 'text')
        .execute();
      await db.schema.createIndex('api_tokens_user_id').on('api_tokens').column('user_id').execute();

      await db.schema
        .createTable('sessions')
        .addColumn('id_hash', 'text', (col) => col.primaryKey())
        .addColumn('user_id', 'integer', userReference)
        .addColumn('csrf_token', 'text', (col) => col.notNull())
        .addColumn('created', 'text', (col) => col.notNull())
        .addColumn('expires_at', 'text', (col) => col.notNull())
        .addColumn('last_seen', 'text', (col) => col.notNull())
        .addColumn('address', 'text', textDefault(''))
        .addColumn('user_agent', 'text', textDefault(''))
        .execute();
      await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();
      await db.schema.createIndex('sessions_user_id').on('sessions').column('user_id').execute();

      await db.schema
        .createTable('servers')
        .addColumn('id', 'integer', id)
        .addColumn('user_id', 'integer', userReference)
        .addColumn('name', 'text', (col) => col.notNull())
        .addColumn('app', 'text', (col) => col.notNull())
        .addColumn('options', 'text', textDefault('{}'))
        .addColumn('spawner_state', 'text', textDefault('{}'))
        .addColumn('status', 'text', (col) => col.notNull())
        .addColumn('route', 'text')
        .addColumn('secret_hash', 'text')
        .addColumn('created', 'text', (col) => col.notNull())
        .addColumn('started', 'text')
        .addColumn('ready', 'text')
        .addColumn('stopped', 'text')
        .addColumn('last_activity', 'text')
        .addColumn('end_reason', 'text')
        .addColumn('end_detail', 'text')
        .addUniqueConstraint('servers_user_id_name', ['user_id', 'name'])
        .execute();
      await db.schema.createIndex('servers_status').on('servers').column('status').execute();

      await db.schema
        .createTable('news_items')
        .addColumn('id', 'integer', id)
        .addColumn('kind', 'text', (col) => col.notNull())
        .addColumn('title', 'text', (col) => col.notNull())
        .addColumn('body', 'text', (col) => col.notNull())
        .addColumn('starts_at', 'text')
        .addColumn('ends_at', 'text')
        .addColumn('created', 'text', (col) => col.notNull())
        .addColumn('updated', 'text', (col) => col.notNull())
        // An announcement outlives its author's account.
        .addColumn('author_id', 'integer', (col) => col.references('users.id').onDelete('set null'))
        .execute();
      await db.schema.createIndex('news_items_starts_at').on('news_items').column('starts_at').execute();

      // Usage statistics name the user as text, with no foreign key, so they survive the
      // deletion of the account.
      await db.schema
        .createTable('usage_records')
        .addColumn('id', 'integer', id)
        .addColumn('user_name', 'text', (col) => col.notNull())
        .addColumn('server_name', 'text', (col) => col.notNull())
        .addColumn('app', 'text', (col) => col.notNull())
        .addColumn('resources', 'text', textDefault('{}'))
        .addColumn('started', 'text', (col) => col.notNull())
        .addColumn('ended', 'text', (col) => col.notNull())
        .addColumn('duration_seconds', 'integer', (col) => col.notNull())
        .addColumn('end_reason', 'text', (col) => col.notNull())
        .execute();
      await db.schema.createIndex('usage_records_ended').on('usage_records').column('ended').execute();
      await db.schema
        .createIndex('usage_records_user_name_ended')
        .on('usage_records')
        .columns(['user_name', 'ended'])
        .execute();

      await db.schema
        .createTable('hub_kv')
        .addColumn('key', 'text', (col) => col.primaryKey())
        .addColumn('value', 'text', (col) => col.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>) {
      for (const table of [...TABLES].reverse()) {
        await db.schema.dropTable(table).execute();
      }
    },
  };
}
