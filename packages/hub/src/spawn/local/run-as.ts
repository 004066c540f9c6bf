// Which Unix account a root hub runs a hub-only account's server as (spawner.local_user). A hub
// running as root never runs a server as root; and hub-only accounts (the `local` authenticator)
// have no Unix account of their own. With `{user}` in the setting, each hub-only account is mapped
// to its own account (`hpchub-{user}`: alice runs as hpchub-alice), so that one user's processes
// cannot read another's files, signal their processes or use their credentials; a start whose
// account does not exist is refused with a message saying so. Without `{user}`, every hub-only
// account shares the one account named: a site's explicit choice, for a hub with one user or a
// demonstration, never the default.
import { lookupSystemAccount } from '../../auth/system-account.js';
import { HubError } from '../../errors/index.js';

export interface LocalAccount {
  name: string;
  uid: number;
  gid: number;
}

/** The account a hub-only account's server runs as; throws a HubError the user can read. */
export type RunAs = (hubUser: string) => Promise<LocalAccount>;

export const USER_PLACEHOLDER = '{user}';

/** Whether the setting maps each hub-only account to its own Unix account. */
export function mapsEachUser(localUser: string): boolean {
  return localUser.includes(USER_PLACEHOLDER);
}

/** The Unix account's name for a hub user, as the setting maps it. */
export function mappedName(localUser: string, hubUser: string): string {
  return localUser.replaceAll(USER_PLACEHOLDER, hubUser);
}

/**
 * The mapping spawner.local_user describes. A shared account is looked up once, now (throws when
 * it is missing: the hub cannot start servers at all); a mapped one at each start.
 */
export async function localRunAs(localUser: string, minUid: number): Promise<RunAs> {
  if (!mapsEachUser(localUser)) {
    const shared = await lookupSystemAccount(localUser);
    if (!shared) throw new Error(`spawner.local_user ${localUser} is not an account on this machine.`);
    const account = { name: shared.name, uid: shared.uid, gid: shared.gid };
    return async () => account;
  }
  return async (hubUser) => {
    const name = mappedName(localUser, hubUser);
    const found = await lookupSystemAccount(name);
    if (!found)
      throw new HubError(
        'account_unusable',
        `Your servers run as the Unix account ${name}, which does not exist on this machine. Ask the administrators to create it.`,
      );
    // A pattern must not turn a hub user called e.g. "root" into a privileged account.
    if (found.uid < minUid)
      throw new HubError(
        'account_unusable',
        `Your servers would run as ${name}, a system account (uid below ${minUid}); they cannot run as it.`,
      );
    return { name: found.name, uid: found.uid, gid: found.gid };
  };
}
