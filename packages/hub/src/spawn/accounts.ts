// Which account a user's servers run as. Only accounts the system vouches for (the `pam`
// authenticator) map to Unix accounts, and only regular ones (uid ≥ spawner.min_uid): a hub
// account that merely shares a name with `root` or a service account never runs as it. Only the
// passwd entry is read (one process): a job needs no groups.
import { lookupPasswd } from '../auth/system-account.js';
import type { HubConfig } from '../config/index.js';
import type { UserRow } from '../db/schema.js';
import { HubError } from '../errors/index.js';
import type { SpawnAccount } from './spawner.js';

export function accountResolver(config: HubConfig): (user: UserRow) => Promise<SpawnAccount> {
  return async (user) => {
    if (config.auth.authenticator !== 'pam') return { name: user.name, system: null };
    const account = await lookupPasswd(user.name);
    if (!account) {
      throw new HubError(
        'account_unusable',
        'Your account is not known on the cluster’s systems. Ask the cluster administrators to check it.',
      );
    }
    if (account.uid < config.spawner.min_uid) {
      throw new HubError(
        'account_unusable',
        'System accounts cannot start servers. Sign in with your personal account.',
      );
    }
    return { name: user.name, system: { uid: account.uid, gid: account.gid, home: account.home } };
  };
}
