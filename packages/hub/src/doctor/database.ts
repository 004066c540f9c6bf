// Doctor: the database answers and its schema is the one this hub version expects. Never
// creates or migrates anything (a missing SQLite file stays missing).
import { existsSync } from 'node:fs';
import type { HubConfig } from '../config/index.js';
import { migrationStatus, openDatabase, redactUrl } from '../db/index.js';
import { parseDatabaseUrl } from '../db/url.js';
import { type Finding, fail, ok, warn } from './finding.js';

const CHECK = 'database';

export async function checkDatabase(config: HubConfig): Promise<Finding> {
  const url = redactUrl(config.db.url);
  const target = parseDatabaseUrl(config.db.url);
  if (target.engine === 'sqlite' && target.path !== ':memory:' && !existsSync(target.path)) {
    return warn(
      CHECK,
      `there is no database at ${target.path} yet.`,
      '`hpchub start` creates it; or check data_dir and db.url if the hub has run before.',
    );
  }
  let database: Awaited<ReturnType<typeof openDatabase>>;
  try {
    database = await openDatabase(config.db.url);
  } catch (err) {
    return fail(
      CHECK,
      (err as Error).message,
      target.engine === 'postgres'
        ? 'start PostgreSQL, or correct db.url (host, port, database, user, password) and the server’s pg_hba.conf.'
        : 'check that the hub’s account owns data_dir and the database file.',
    );
  }
  try {
    const status = await migrationStatus(database);
    if (status.unknown.length > 0) {
      return fail(
        CHECK,
        `${url} was upgraded by a newer hpchub (migrations ${status.unknown.join(', ')} are unknown to this one).`,
        'run the newer hpchub version, or restore the backup taken before the upgrade.',
      );
    }
    if (status.pending.length > 0) {
      return warn(
        CHECK,
        `${url} answers but lacks ${status.pending.length} migration(s): ${status.pending.join(', ')}.`,
        'run `hpchub db upgrade` (after `hpchub db backup FILE`); `hpchub start` also applies them.',
      );
    }
    return ok(CHECK, `${url} answers; its schema is current (${status.applied.length} migrations).`);
  } catch (err) {
    return fail(
      CHECK,
      `${url} answers but its schema cannot be read: ${(err as Error).message}`,
      'check the database’s permissions for the hub’s database user.',
    );
  } finally {
    await database.close();
  }
}
