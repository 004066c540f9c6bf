// `hpchub db backup FILE`: a consistent copy of the hub database, taken while the hub runs
// (SQLite's online backup API; pg_dump for PostgreSQL). See db/backup.ts.
import { resolve } from 'node:path';
import { BackupError, backupDatabase } from '../db/backup.js';
import { redactUrl } from '../db/index.js';
import type { CommandInput } from './command.js';
import { CliError } from './io.js';

export async function dbBackup({ config, positionals, values, io }: CommandInput): Promise<number> {
  const file = resolve(positionals[0] ?? '');
  try {
    const result = await backupDatabase(config.db.url, file, { force: values.force === true });
    const how = result.engine === 'sqlite' ? 'SQLite online backup' : 'pg_dump, custom format';
    io.stdout.write(
      `Backed up ${redactUrl(config.db.url)} to ${result.file} (${result.bytes} bytes, ${how}).\n`,
    );
    if (result.engine === 'postgres')
      io.stdout.write(
        `Restore it into an empty database with: pg_restore --no-owner --dbname=URL ${result.file}\n`,
      );
    return 0;
  } catch (error) {
    if (error instanceof BackupError) throw new CliError(error.message);
    throw error;
  }
}
