// The hub-owned login pipeline. Authenticators only check credentials; here the hub decides who
// may log in: name normalisation, rate limits, block/allow/admin lists, the account check
// (home directory), and the user record that the rest of the hub keys on.
import type { Kysely } from 'kysely';
import type { HubConfig } from '../config/index.js';
import type { Database, UserRow } from '../db/schema.js';
import { HubError } from '../errors/index.js';
import { normaliseUsername, usernameProblem } from '../users/names.js';
import { createUser, findUser, updateUser } from '../users/store.js';
import type { Authenticator } from './authenticator.js';
import { FailureLimiter } from './rate-limit.js';

export interface LoginAttempt {
  username: string;
  password: string;
  /** Client address, for the per-address limit. */
  address: string;
}

export interface LoginPipeline {
  /** Resolves to the user on success; throws a HubError whose message the login page shows. */
  login(attempt: LoginAttempt): Promise<UserRow>;
}

function minutes(seconds: number): string {
  const m = Math.ceil(seconds / 60);
  return m === 1 ? '1 minute' : `${m} minutes`;
}

export function createLoginPipeline(
  db: Kysely<Database>,
  authenticator: Authenticator,
  auth: HubConfig['auth'],
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void },
): LoginPipeline {
  const limits = auth.rate_limit;
  const byUser = new FailureLimiter({
    maxFailures: limits.max_failures_per_user,
    windowSeconds: limits.window_seconds,
    lockoutSeconds: limits.lockout_seconds,
  });
  const byAddress = new FailureLimiter({
    maxFailures: limits.max_failures_per_address,
    windowSeconds: limits.window_seconds,
    lockoutSeconds: limits.lockout_seconds,
  });
  const admins = new Set(auth.admin_users.map(normaliseUsername));
  const allowed = new Set(auth.allowed_users.map(normaliseUsername));
  const blocked = new Set(auth.blocked_users.map(normaliseUsername));
  const allowedGroups = new Set(auth.allowed_groups);

  function lockedOut(seconds: number): HubError {
    return new HubError(
      'rate_limited',
      `Too many failed sign-in attempts. Try again in ${minutes(seconds)}.`,
      { headers: { 'retry-after': String(seconds) } },
    );
  }

  function failed(name: string, address: string): HubError {
    const userLocked = byUser.fail(`u:${name}`);
    const addressLocked = byAddress.fail(`a:${address}`);
    if (userLocked || addressLocked) {
      log.warn({ user: name, address, scope: userLocked ? 'user' : 'address' }, 'login locked out');
    }
    return new HubError('invalid_credentials');
  }

  return {
    async login({ username, password, address }) {
      const name = normaliseUsername(username);
      const wait = Math.max(byUser.lockedFor(`u:${name}`), byAddress.lockedFor(`a:${address}`));
      if (wait > 0) throw lockedOut(wait);
      // A name we could never accept cannot have valid credentials: same answer as a wrong password.
      if (usernameProblem(name) !== null || password.length === 0) throw failed(name, address);

      const result = await authenticator.authenticate(name, password);
      if (!result.ok) {
        if (result.failure.kind === 'account_unusable') {
          throw new HubError('account_unusable', result.failure.message);
        }
        log.info({ user: name, address }, 'login failed');
        throw failed(name, address);
      }
      byUser.succeed(`u:${name}`);
      byAddress.succeed(`a:${address}`);

      const identity = result.identity;
      const existing = await findUser(db, identity.name);
      const isAdmin = identity.admin ?? (admins.has(identity.name) || existing?.admin === 1);
      if (blocked.has(identity.name) || existing?.blocked === 1) {
        log.warn({ user: identity.name }, 'blocked user tried to log in');
        throw new HubError('account_blocked');
      }
      const inGroup = (identity.groups ?? []).some((g) => allowedGroups.has(g));
      if (!auth.allow_all && !isAdmin && !allowed.has(identity.name) && !inGroup && !existing) {
        log.warn({ user: identity.name }, 'user not on the allow list');
        throw new HubError(
          'account_blocked',
          'Your account is not allowed to use this hub. Ask the cluster administrators for access.',
        );
      }
      const problem = (await authenticator.checkAccount?.(identity.name)) ?? null;
      if (problem !== null) throw new HubError('account_unusable', problem);

      if (!existing) {
        const user = await createUser(db, { name: identity.name, admin: isAdmin });
        log.info({ user: user.name, admin: isAdmin }, 'user created at first login');
        return user;
      }
      if (Boolean(existing.admin) !== isAdmin) return updateUser(db, existing.id, { admin: isAdmin });
      return existing;
    },
  };
}
