// The `local` authenticator: accounts kept in the hub's own database with scrypt password
// hashes. It is the embedded default, so a hub runs without any directory service.
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { verifyPassword } from '../../users/password.js';
import { findUser } from '../../users/store.js';
import type { Authenticator, AuthResult } from '../authenticator.js';

export function createLocalAuthenticator(db: Kysely<Database>): Authenticator {
  return {
    id: 'local',
    async authenticate(username: string, password: string): Promise<AuthResult> {
      const user = await findUser(db, username);
      // Verify even when the user is missing, so both cases take the same time.
      const ok = await verifyPassword(password, user?.password_hash ?? null);
      if (!ok || !user) return { ok: false, failure: { kind: 'invalid_credentials' } };
      return { ok: true, identity: { name: user.name } };
    },
    // Nothing to release: the database belongs to the hub, which closes it.
    async close() {},
  };
}
