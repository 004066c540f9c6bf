// Usage texts of the CLI. The settings every command accepts are listed from the option
// declarations, so help never drifts from what the parser accepts.
import { OPTIONS } from '../config/index.js';

export const COMMANDS: Record<string, { usage: string; summary: string; details?: string }> = {
  start: {
    usage: 'hpchub [start] [--port N] [--ip ADDR] [--data-dir DIR] [--config FILE] [settings…]',
    summary: 'Run the hub (the default command).',
  },
  'config check': {
    usage: 'hpchub config check [--connect] [--config FILE] [settings…]',
    summary: 'Validate the configuration and show where each setting comes from.',
    details:
      '  --connect   also reach the single sign-on provider (discovery) and the LDAP directory (TLS,\n' +
      '              the service account), as the hub would, and say what fails (exit code 1)',
  },
  'user add': {
    usage: 'hpchub user add NAME [--admin] [--no-password]',
    summary: 'Create an account; its password is read from standard input.',
    details:
      '  --admin         make the account an administrator\n  --no-password   create it without a password (for PAM accounts)',
  },
  'user list': { usage: 'hpchub user list', summary: 'List accounts.' },
  'user passwd': {
    usage: 'hpchub user passwd NAME',
    summary: 'Set the password of a local account; read from standard input. Ends its sessions.',
  },
  'token create': {
    usage: 'hpchub token create NAME [--scopes self,servers] [--expires-in SECONDS] [--note TEXT]',
    summary: 'Create an API token for NAME and print the token alone on standard output.',
  },
  'db upgrade': {
    usage: 'hpchub db upgrade [--dry-run]',
    summary: 'Apply pending database migrations (start does this too).',
  },
  doctor: {
    usage: 'hpchub doctor [--user ACCOUNT] [--partition NAME] [--job-timeout SECONDS] [--no-job]',
    summary:
      'Check the set-up (configuration, database, Slurm, certificate, hub URL, a test job) and say how to fix it.',
    details:
      '  --user ACCOUNT         run the test job as this account (needed with Slurm or PAM)\n' +
      '  --partition NAME       submit the test job to this partition\n' +
      '  --job-timeout SECONDS  give up on the test job after this long (default 300)\n' +
      '  --no-job               skip the test job',
  },
  'db backup': {
    usage: 'hpchub db backup FILE [--force]',
    summary: 'Copy the database to FILE while the hub runs (SQLite backup API; pg_dump for PostgreSQL).',
    details: '  --force   replace FILE if it exists',
  },
};

export function commandHelp(name: string): string {
  const c = COMMANDS[name];
  if (!c) return overview();
  return [
    `Usage: ${c.usage}`,
    '',
    c.summary,
    ...(c.details ? ['', c.details] : []),
    '',
    'Every command also accepts --config FILE, --data-dir DIR and the other settings;',
    'see `hpchub --help` or docs/config.md.',
  ].join('\n');
}

export function overview(): string {
  const width = Math.max(...OPTIONS.map((o) => o.flag.length));
  return [
    'Usage: hpchub <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(14)} ${c.summary}`),
    '',
    'Settings (flags; also HPCHUB_* environment variables and the YAML file given by --config):',
    ...OPTIONS.map((o) => `  ${o.flag.padEnd(width)}  ${o.description.split('\n')[0]}`),
    '',
    'Run `hpchub <command> --help` for the options of one command.',
  ].join('\n');
}
