// `hpchub db upgrade`: apply pending migrations, or list them with --dry-run.
import { migrateToLatest, openDatabase, pendingMigrations, redactUrl } from '../db/index.js';
import type { CommandInput } from './command.js';

export async function dbUpgrade({ config, values, io }: CommandInput): Promise<number> {
  const database = await openDatabase(config.db.url);
  try {
    if (values['dry-run']) {
      const pending = await pendingMigrations(database);
      io.stdout.write(
        pending.length === 0
          ? 'The database is up to date.\n'
          : `Pending migrations:\n${pending.map((m) => `  ${m}\n`).join('')}`,
      );
      return 0;
    }
    const { applied } = await migrateToLatest(database);
    io.stdout.write(
      applied.length === 0
        ? `The database at ${redactUrl(config.db.url)} is up to date.\n`
        : `Applied ${applied.length} migration(s) to ${redactUrl(config.db.url)}: ${applied.join(', ')}\n`,
    );
    return 0;
  } finally {
    await database.close();
  }
}
