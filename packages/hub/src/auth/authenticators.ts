// Picks the configured authenticator. PAM is loaded only when chosen, because its native
// binding is an optional dependency that a hub using local accounts does not need.
import type { Kysely } from 'kysely';
import type { HubConfig } from '../config/index.js';
import type { Database } from '../db/schema.js';
import type { Authenticator } from './authenticator.js';
import { createLocalAuthenticator } from './local/authenticator.js';

export async function createAuthenticator(config: HubConfig, db: Kysely<Database>): Promise<Authenticator> {
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
  }
}
