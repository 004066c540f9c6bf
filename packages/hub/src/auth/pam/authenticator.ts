// The `pam` authenticator: users sign in with their cluster account, checked by the system's PAM
// stack (pam_unix, pam_sss, pam_krb5 … as the service configures), and bring their Unix groups.
import type { Authenticator, AuthResult } from '../authenticator.js';
import { accountExpired, homeExists, isSafeAccountName, lookupSystemAccount } from '../system-account.js';
import { fitsPamBinding, loadPamBinding, pamAuthenticate } from './binding.js';
import { ConcurrencyLimit } from './limit.js';
import { assertPamService } from './service.js';

export interface PamAuthenticatorOptions {
  /** PAM service, i.e. the file in /etc/pam.d/ (config `auth.pam.service`). */
  service: string;
  /** Refuse accounts without a home directory (config `auth.pam.require_home`). */
  requireHome: boolean;
  /**
   * PAM attempts running at once; more wait their turn. Each holds a libuv pool thread for up
   * to PAM's fail delay, so the default leaves half of the pool (UV_THREADPOOL_SIZE, 4 unless
   * set) to file system, DNS and crypto work. Per-handle use of libpam is thread-safe, but
   * not every PAM module is; 1 serialises completely.
   */
  maxConcurrent?: number;
}

export const NO_HOME_MESSAGE =
  'Your account has no home directory on the cluster yet. Log in once by SSH to create it, ' +
  'then sign in here again.';

export const EXPIRED_MESSAGE =
  'Your cluster account has expired. Contact the cluster administrators to renew it.';

export const NO_ACCOUNT_MESSAGE =
  'Your account is not known on the cluster’s systems. Ask the cluster administrators to check it.';

const INVALID: AuthResult = { ok: false, failure: { kind: 'invalid_credentials' } };

function defaultConcurrency(): number {
  const pool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  return Math.max(1, Math.floor(pool / 2));
}

/**
 * Creates the PAM authenticator. Rejects with an actionable message when the native binding is
 * not installed or the service has no PAM configuration.
 */
export async function createPamAuthenticator(options: PamAuthenticatorOptions): Promise<Authenticator> {
  const binding = loadPamBinding();
  await assertPamService(options.service);
  const limit = new ConcurrencyLimit(options.maxConcurrent ?? defaultConcurrency());
  const inFlight = new Set<Promise<unknown>>();
  let closed = false;

  async function check(username: string, password: string): Promise<AuthResult> {
    // Refused before PAM: names that are not account names, input the binding would truncate
    // (so a prefix of the password would be checked instead), and the empty password, which
    // pam_unix's `nullok` accepts for an account without one. None depends on whether the
    // user exists.
    if (!isSafeAccountName(username) || password === '' || !fitsPamBinding(password)) return INVALID;
    const error = await limit.run(() => pamAuthenticate(binding, options.service, username, password));
    // The binding reports a failing pam_start as "pam_start: "; that is a broken PAM setup,
    // not a wrong password. Everything else (unknown user, wrong password, locked account)
    // is the same answer, whatever PAM's text says.
    if (error?.startsWith('pam_start')) throw new Error(`PAM could not start service "${options.service}"`);
    if (error !== null) return INVALID;
    // Said only after the password was right, so it reveals nothing to a guesser.
    if (await accountExpired(username))
      return { ok: false, failure: { kind: 'account_unusable', message: EXPIRED_MESSAGE } };
    const account = await lookupSystemAccount(username);
    return { ok: true, identity: { name: username, ...(account ? { groups: account.groups } : {}) } };
  }

  return {
    id: 'pam',

    async authenticate(username: string, password: string): Promise<AuthResult> {
      if (closed) throw new Error('The pam authenticator is closed.');
      const attempt = check(username, password);
      inFlight.add(attempt);
      try {
        return await attempt;
      } finally {
        inFlight.delete(attempt);
      }
    },

    async checkAccount(username: string): Promise<string | null> {
      if (!options.requireHome) return null;
      const account = await lookupSystemAccount(username);
      if (account === null) return NO_ACCOUNT_MESSAGE;
      return (await homeExists(account)) ? null : NO_HOME_MESSAGE;
    },

    async close(): Promise<void> {
      // PAM calls in the thread pool cannot be cancelled; closing waits for them.
      closed = true;
      await Promise.allSettled([...inFlight]);
    },
  };
}
