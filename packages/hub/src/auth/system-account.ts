// Unix accounts as the system's name service sees them (files, LDAP, SSSD …), looked up with
// `getent` and `id` in child processes so a slow directory never blocks the event loop. Used by
// the PAM authenticator for groups and the home-directory check.
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';

export interface SystemAccount {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
  /** Names of all groups, primary group first; a group without a name appears as its number. */
  groups: string[];
}

// Names reach the command line of getent and id, so they must never look like an option ("-x"),
// a path ("../x") or a number (getent and id take a number as a uid). The character set is
// POSIX's portable one, which covers what useradd, LDAP and SSSD hand out in practice.
const ACCOUNT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** Whether a name is safe to look up; anything else is refused without running a command. */
export function isSafeAccountName(name: string): boolean {
  return ACCOUNT_NAME.test(name) && !/^[0-9]+$/.test(name);
}

// A directory service that does not answer within this time counts as broken.
const LOOKUP_TIMEOUT_MS = 10_000;

interface Run {
  code: number;
  stdout: string;
}

function run(command: string, args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { timeout: LOOKUP_TIMEOUT_MS, killSignal: 'SIGKILL', maxBuffer: 1 << 20 },
      (error, stdout) => {
        if (error === null) return resolve({ code: 0, stdout });
        // A numeric code is the command's exit status; anything else (ENOENT, a timeout's
        // signal) means the lookup itself could not run.
        if (typeof error.code === 'number' && !error.killed) return resolve({ code: error.code, stdout });
        reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}`));
      },
    );
  });
}

// getent's exit status 2 means "not found"; for `getent group` with several keys it means that
// some were not found, and the others are still printed.
const GETENT_NOT_FOUND = 2;

async function groupNames(gids: number[]): Promise<string[]> {
  const { code, stdout } = await run('getent', ['group', '--', ...gids.map(String)]);
  if (code !== 0 && code !== GETENT_NOT_FOUND) throw new Error(`getent group exited with ${code}`);
  const names = new Map<number, string>();
  for (const line of stdout.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name && gid) names.set(Number(gid), name);
  }
  return gids.map((gid) => names.get(gid) ?? String(gid));
}

/** An account's passwd entry: everything of SystemAccount but its groups. */
export type PasswdEntry = Omit<SystemAccount, 'groups'>;

/**
 * The passwd entry of `name` (one `getent` process), or null when the name service does not know
 * it (or the name is not one we look up). For what needs no groups, such as the account a job runs
 * as: each process the hub starts costs a few milliseconds of a server's start. Throws when the
 * lookup cannot run (no getent, a directory timeout).
 */
export async function lookupPasswd(name: string): Promise<PasswdEntry | null> {
  if (!isSafeAccountName(name)) return null;
  const passwd = await run('getent', ['passwd', '--', name]);
  if (passwd.code === GETENT_NOT_FOUND) return null;
  if (passwd.code !== 0) throw new Error(`getent passwd exited with ${passwd.code}`);
  const fields = passwd.stdout.split('\n')[0]?.split(':') ?? [];
  if (fields.length !== 7) throw new Error(`unexpected getent passwd output for ${name}`);
  const [account, , uid, gid, , home, shell] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return { name: account, uid: Number(uid), gid: Number(gid), home, shell };
}

/**
 * The account called `name` with its groups, or null when the name service does not know it (or
 * the name is not one we look up). Throws when the lookup cannot run (no getent, a directory timeout).
 */
export async function lookupSystemAccount(name: string): Promise<SystemAccount | null> {
  const entry = await lookupPasswd(name);
  if (!entry) return null;
  // `id -G` gives numbers and `getent group` names them: `id -Gn` separates names with spaces,
  // which is ambiguous for directory groups such as "domain users".
  const ids = await run('id', ['-G', '--', name]);
  if (ids.code !== 0) throw new Error(`id -G exited with ${ids.code} for an account getent knows`);
  const gids = ids.stdout.trim().split(/\s+/).filter(Boolean).map(Number);
  return { ...entry, groups: gids.length > 0 ? await groupNames(gids) : [] };
}

/** Whether the account's home directory exists on this machine. */
export async function homeExists(account: Pick<SystemAccount, 'home'>): Promise<boolean> {
  if (!account.home.startsWith('/')) return false;
  try {
    return (await stat(account.home)).isDirectory();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw error;
  }
}

/**
 * Whether the account's expiry date (shadow field 8, days since 1970) has passed. PAM
 * authentication alone does not check it (the binding never calls pam_acct_mgmt), so an expired
 * account would otherwise still sign in. Reading the shadow database needs root or membership of
 * the `shadow` group (as pam_unix itself does for other users' passwords); when it cannot be read
 * the answer is false, and the site's PAM account stack is what stands.
 */
export async function accountExpired(name: string, now: Date = new Date()): Promise<boolean> {
  if (!isSafeAccountName(name)) return false;
  const result = await run('getent', ['shadow', '--', name]);
  if (result.code !== 0) return false;
  const expire = result.stdout.trim().split(':')[7] ?? '';
  if (!/^\d+$/.test(expire)) return false;
  const today = Math.floor(now.getTime() / 86_400_000);
  return Number(expire) <= today;
}
