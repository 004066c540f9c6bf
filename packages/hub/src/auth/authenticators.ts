// Picks the configured authenticator. PAM is loaded only when chosen, because its native
// binding is an optional dependency that a hub using local accounts does not need.
import type { Kysely } from 'kysely';
import { type HubConfig, SECRET_ENV } from '../config/index.js';
import type { Database } from '../db/schema.js';
import { createAccountMap } from './account-map.js';
import type { Authenticator } from './authenticator.js';
import { createLdapAuthenticator, type LdapLog } from './ldap/authenticator.js';
import { createLocalAuthenticator } from './local/authenticator.js';
import { readSecret } from './secrets.js';

export async function createAuthenticator(
  config: HubConfig,
  db: Kysely<Database>,
  log: LdapLog,
): Promise<Authenticator> {
  switch (config.auth.authenticator) {
    case 'local':
      return createLocalAuthenticator(db);
    case 'pam': {
      const { createPamAuthenticator } = await import('./pam/authenticator.js');
      return createPamAuthenticator({
        service: config.auth.pam.service,
        requireHome: config.auth.pam.require_home,
      });
    }
    case 'ldap': {
      const ldap = config.auth.ldap;
      const secret = readSecret({
        file: ldap.bind_password_file,
        option: 'auth.ldap.bind_password_file',
        envName: SECRET_ENV.ldapBindPassword,
      });
      return createLdapAuthenticator(ldap, secret, createAccountMap(config.auth), log);
    }
  }
}
