// Usage records with everything a report needs: one row per start of a server, opened when the
// start is accepted and completed as it goes (submitted, running, ready, ended), so servers still
// running count too. The groups of the user at the time are rows of usage_record_groups. Earlier
// rows (written only when a server ended, resources as JSON) are carried over, and every server
// still active at the upgrade gets its open record.
import { type Kysely, type Migration, sql } from 'kysely';
import type { Engine } from '../url.js';
import { idColumn } from './columns.js';

const BATCH = 500;

export function usage(engine: Engine): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('usage_records').renameTo('usage_records_0001').execute();
      await dropOldIndexes(db);
      await db.schema
        .createTable('usage_records')
        .addColumn('id', 'integer', idColumn(engine))
        // The server row this record follows while open; no foreign key: records outlive servers.
        .addColumn('server_id', 'integer')
        // Users and groups are named as text, so statistics survive deleted accounts and groups.
        .addColumn('user_name', 'text', (col) => col.notNull())
        .addColumn('server_name', 'text', (col) => col.notNull())
        .addColumn('app', 'text', (col) => col.notNull())
        .addColumn('partition', 'text')
        .addColumn('account', 'text')
        .addColumn('cores', 'integer', (col) => col.notNull())
        .addColumn('gpus', 'integer', (col) => col.notNull())
        .addColumn('memory_gb', 'integer')
        .addColumn('requested_run_seconds', 'integer')
        .addColumn('used_run_seconds', 'integer')
        .addColumn('node', 'text')
        .addColumn('requested_at', 'text', (col) => col.notNull())
        .addColumn('submitted_at', 'text')
        .addColumn('started_at', 'text')
        .addColumn('ready_at', 'text')
        .addColumn('ended_at', 'text')
        .addColumn('queue_wait_seconds', 'integer')
        .addColumn('startup_seconds', 'integer')
        .addColumn('time_to_ready_seconds', 'integer')
        .addColumn('end_reason', 'text')
        .execute();
      // Statistics select by the time a start was requested; the home page per user; the service
      // finds a server's open record; "still running" are the rows without an end.
      await db.schema
        .createIndex('usage_records_requested_at')
        .on('usage_records')
        .column('requested_at')
        .execute();
      await db.schema
        .createIndex('usage_records_user_name_requested_at')
        .on('usage_records')
        .columns(['user_name', 'requested_at'])
        .execute();
      await db.schema
        .createIndex('usage_records_server_id')
        .on('usage_records')
        .column('server_id')
        .execute();
      await db.schema.createIndex('usage_records_ended_at').on('usage_records').column('ended_at').execute();

      await db.schema
        .createTable('usage_record_groups')
        .addColumn('record_id', 'integer', (col) =>
          col.notNull().references('usage_records.id').onDelete('cascade'),
        )
        .addColumn('group_name', 'text', (col) => col.notNull())
        .addPrimaryKeyConstraint('usage_record_groups_pkey', ['record_id', 'group_name'])
        .execute();
      await db.schema
        .createIndex('usage_record_groups_group_name')
        .on('usage_record_groups')
        .columns(['group_name', 'record_id'])
        .execute();

      await carryOver(db);
      await openActiveServers(db);
      await db.schema.dropTable('usage_records_0001').execute();
    },

    async down(db: Kysely<unknown>) {
      await db.schema.dropTable('usage_record_groups').execute();
      await db.schema.dropTable('usage_records').execute();
      await db.schema
        .createTable('usage_records')
        .addColumn('id', 'integer', idColumn(engine))
        .addColumn('user_name', 'text', (col) => col.notNull())
        .addColumn('server_name', 'text', (col) => col.notNull())
        .addColumn('app', 'text', (col) => col.notNull())
        .addColumn('resources', 'text', (col) => col.notNull().defaultTo('{}'))
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
    },
  };
}

/** Index names are global on both engines: the old table's go before the new table takes them. */
async function dropOldIndexes(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('usage_records_ended').execute();
  await db.schema.dropIndex('usage_records_user_name_ended').execute();
}

/**
 * What 0001's `resources` JSON (the start's options) said, in the new columns: usage/record.ts's
 * rule as of this version, copied because a migration must not change when live code does.
 */
export function resourceColumns(options: string) {
  let o: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(options);
    if (parsed && typeof parsed === 'object') o = parsed as Record<string, unknown>;
  } catch {
    // An unreadable blob carries no resources.
  }
  const int = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? v : null);
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const hours = int(o.hours);
  return {
    partition: text(o.partition),
    account: text(o.account),
    cores: int(o.cores) ?? 1,
    gpus: int(o.gpus) ?? 0,
    memory_gb: int(o.memory_gb),
    requested_run_seconds: hours === null ? null : hours * 3600,
  };
}

interface OldRecord {
  id: number;
  user_name: string;
  server_name: string;
  app: string;
  resources: string;
  started: string;
  ended: string;
  duration_seconds: number;
  end_reason: string;
}

async function carryOver(db: Kysely<unknown>): Promise<void> {
  for (let after = 0; ; ) {
    const { rows } = await sql<OldRecord>`
      select * from usage_records_0001 where id > ${after} order by id limit ${BATCH}`.execute(db);
    if (rows.length === 0) return;
    await insert(
      db,
      rows.map((r) => ({
        server_id: null,
        user_name: r.user_name,
        server_name: r.server_name,
        app: r.app,
        ...resourceColumns(r.resources),
        used_run_seconds: Number(r.duration_seconds),
        requested_at: r.started,
        submitted_at: r.started,
        started_at: r.started,
        ended_at: r.ended,
        end_reason: r.end_reason,
      })),
    );
    after = Number(rows.at(-1)?.id);
  }
}

interface ActiveServer {
  id: number;
  owner: string;
  name: string;
  app: string;
  options: string;
  started: string | null;
  created: string;
  ready: string | null;
}

/** Servers starting or running at the upgrade: their records are open, as if written at start. */
async function openActiveServers(db: Kysely<unknown>): Promise<void> {
  const { rows } = await sql<ActiveServer>`
    select s.id, u.name as owner, s.name, s.app, s.options, s.started, s.created, s.ready
    from servers s join users u on u.id = s.user_id
    where s.status <> 'stopped'`.execute(db);
  if (rows.length === 0) return;
  await insert(
    db,
    rows.map((s) => ({
      server_id: s.id,
      user_name: s.owner,
      server_name: s.name,
      app: s.app,
      ...resourceColumns(s.options),
      requested_at: s.started ?? s.created,
      started_at: s.ready,
      ready_at: s.ready,
    })),
  );
}

const COLUMNS = [
  'server_id',
  'user_name',
  'server_name',
  'app',
  'partition',
  'account',
  'cores',
  'gpus',
  'memory_gb',
  'requested_run_seconds',
  'used_run_seconds',
  'requested_at',
  'submitted_at',
  'started_at',
  'ready_at',
  'ended_at',
  'end_reason',
] as const;

/** Inserts rows with the same columns each (a column a row does not name is null). */
async function insert(db: Kysely<unknown>, rows: Record<string, unknown>[]): Promise<void> {
  const full = rows.map((r) => Object.fromEntries(COLUMNS.map((c) => [c, r[c] ?? null])));
  await (db as Kysely<{ usage_records: Record<string, unknown> }>)
    .insertInto('usage_records')
    .values(full)
    .execute();
}
