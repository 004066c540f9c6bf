// Who a job may be for: an account that exists on this host and is a regular user (uid at least
// min_uid), never root or a system account. Looked up with `getent passwd` (so LDAP/SSSD users
// count), as an argument vector: the name is checked by the request schema before it gets here.
import { stat } from 'node:fs/promises';
import { type Exec, execCommand, isSafeUserName, minimalEnv } from '@hpchub/slurm';

export interface Account {
  name: string;
  uid: number;
  home: string;
}

export type AccountLookup = (name: string) => Promise<Account | undefined>;

export function systemAccounts(exec: Exec = execCommand): AccountLookup {
  return async (name) => {
    if (!isSafeUserName(name)) return undefined;
    const result = await exec(['getent', 'passwd', name], { timeoutMs: 10_000, env: minimalEnv() });
    const fields = result.code === 0 ? result.stdout.trim().split('\n')[0]?.split(':') : undefined;
    if (!fields || fields.length < 7 || fields[0] !== name) return undefined;
    const uid = Number(fields[2]);
    if (!Number.isSafeInteger(uid)) return undefined;
    return { name, uid, home: fields[5] ?? '' };
  };
}

/**
 * Why an account may not be acted for, or undefined when it may. Besides the uid range, the home
 * directory must exist and belong to the account: system accounts with a high uid (Debian's
 * static range, 60000–64999, e.g. slurm) have none, and the hub asks the same of its users.
 */
export async function refusal(
  account: Account | undefined,
  range: { minUid: number; maxUid: number },
): Promise<string | undefined> {
  if (!account) return 'There is no such account on the submit host.';
  if (account.uid === 0) return 'Jobs are never submitted as root.';
  if (account.uid < range.minUid || account.uid > range.maxUid)
    return `System accounts (uid outside ${range.minUid}–${range.maxUid}) cannot run jobs through the gateway.`;
  if (!/^\/[A-Za-z0-9._@+/-]{0,1000}$/.test(account.home) || account.home.includes('/../'))
    return 'The account has no usable home directory.';
  const home = await stat(account.home).catch(() => undefined);
  if (!home?.isDirectory() || home.uid !== account.uid)
    return 'The account has no home directory of its own (log in once by SSH to create it).';
  return undefined;
}
