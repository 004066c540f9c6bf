// `hpchub`: run the hub and administer its accounts, tokens and database. Every command reads
// the same configuration (--config, --data-dir, HPCHUB_*), so `hpchub user add` acts on the
// database that `hpchub start` uses.
import { parseArgs } from 'node:util';
import { ConfigError, configFlagOptions, loadConfig } from '../config/index.js';
import type { CommandInput } from './command.js';
import { configCheck } from './config-check.js';
import { dbUpgrade } from './db.js';
import { dbBackup } from './db-backup.js';
import { doctor } from './doctor.js';
import { COMMANDS, commandHelp, overview } from './help.js';
import { CliError, type Io, processIo, usageError } from './io.js';
import { start } from './start.js';
import { tokenCreate } from './tokens.js';
import { userAdd, userList, userPasswd } from './users.js';

type OwnOptions = Record<string, { type: 'string' | 'boolean' }>;

interface Command {
  options: OwnOptions;
  /** How many positional arguments, and what they are called in messages. */
  positionals: string[];
  run(input: CommandInput): Promise<number>;
}

const TABLE: Record<string, Command> = {
  start: { options: {}, positionals: [], run: start },
  'config check': { options: { connect: { type: 'boolean' } }, positionals: [], run: configCheck },
  'user add': {
    options: { admin: { type: 'boolean' }, 'no-password': { type: 'boolean' } },
    positionals: ['NAME'],
    run: userAdd,
  },
  'user list': { options: {}, positionals: [], run: userList },
  'user passwd': { options: {}, positionals: ['NAME'], run: userPasswd },
  'token create': {
    options: { scopes: { type: 'string' }, 'expires-in': { type: 'string' }, note: { type: 'string' } },
    positionals: ['NAME'],
    run: tokenCreate,
  },
  'db upgrade': { options: { 'dry-run': { type: 'boolean' } }, positionals: [], run: dbUpgrade },
  doctor: {
    options: {
      user: { type: 'string' },
      partition: { type: 'string' },
      'job-timeout': { type: 'string' },
      'no-job': { type: 'boolean' },
    },
    positionals: [],
    run: doctor,
  },
  'db backup': { options: { force: { type: 'boolean' } }, positionals: ['FILE'], run: dbBackup },
};

/** Splits argv into the command name (one or two words) and its arguments. */
function findCommand(argv: string[]): { name: string; rest: string[] } | null {
  const first = argv[0];
  if (first === undefined || first.startsWith('-')) return { name: 'start', rest: argv };
  if (TABLE[first]) return { name: first, rest: argv.slice(1) };
  const two = `${first} ${argv[1] ?? ''}`;
  if (TABLE[two]) return { name: two, rest: argv.slice(2) };
  return null;
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  try {
    if (argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
      io.stdout.write(`${argv[1] ? commandHelp(argv.slice(1).join(' ')) : overview()}\n`);
      return 0;
    }
    const found = findCommand(argv);
    if (!found) {
      const group = Object.keys(COMMANDS).filter((c) => c.startsWith(`${argv[0]} `));
      const hint = group.length > 0 ? ` Did you mean one of: ${group.join(', ')}?` : '';
      throw new CliError(
        `Unknown command: ${argv.slice(0, 2).join(' ')}.${hint}\nRun \`hpchub --help\` for the commands.`,
        2,
      );
    }
    const command = TABLE[found.name] as Command;
    let parsed: ReturnType<typeof parseArgs>;
    try {
      parsed = parseArgs({
        args: found.rest,
        options: { ...configFlagOptions(), ...command.options, help: { type: 'boolean', short: 'h' } },
        allowPositionals: true,
        strict: true,
      });
    } catch (err) {
      throw usageError((err as Error).message, found.name);
    }
    if (parsed.values.help) {
      io.stdout.write(`${commandHelp(found.name)}\n`);
      return 0;
    }
    if (parsed.positionals.length !== command.positionals.length) {
      const want = command.positionals.length === 0 ? 'no arguments' : command.positionals.join(' ');
      throw usageError(
        `\`hpchub ${found.name}\` takes ${want}; got: ${parsed.positionals.join(' ') || 'none'}.`,
        found.name,
      );
    }
    const loaded = loadConfig({ flags: parsed.values });
    return await command.run({
      config: loaded.config,
      warnings: loaded.warnings,
      sources: loaded.sources,
      positionals: parsed.positionals,
      values: parsed.values as Record<string, string | boolean | undefined>,
      io,
    });
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr.write(`hpchub: ${err.message}\n`);
      return err.exitCode;
    }
    if (err instanceof ConfigError) {
      io.stderr.write(`hpchub: ${err.message}\n`);
      return 2;
    }
    io.stderr.write(`hpchub: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}
