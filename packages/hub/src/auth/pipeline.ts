// The hub-owned login pipeline. Authenticators only check credentials; here the hub decides who
// may log in: name normalisation, rate limits, block/allow/admin lists and groups, the account
// check (home directory; a cluster account for single sign-on with Slurm), and the user record
// that the rest of the hub keys on. Single sign-on enters after the provider vouched for a
// person (admitExternal) and shares the same rate limits, lists and checks.
import type { Kysely } from 'kysely';
import type { HubConfig } from '../config/index.js';
import type { Database, UserRow } from '../db/schema.js';
import { type ErrorCode, HubError } from '../errors/index.js';
import { normaliseUsername, usernameProblem } from '../users/names.js';
import { createUser, findUser, setUserGroups, updateUser } from '../users/store.js';
import type { Authenticator, Identity } from './authenticator.js';
import { FailureLimiter } from './rate-limit.js';
import { lookupSystemAccount } from './system-account.js';

export interface LoginAttempt {
  username: string;
  password: string;
  /** Client address, for the per-address limit. */
  address: string;
}

export interface LoginPipeline {
  /** Resolves to the user on success; throws a HubError whose message the login page shows. */
  login(attempt: LoginAttempt): Promise<UserRow>;
  /** Throws rate_limited while this address (and this name, when given) is locked out. */
  assertNotLockedOut(address: string, name?: string): void;
  /** Counts a failed single sign-on (a forged or broken callback) against the address. */
  externalFailed(address: string): HubError;
  /**
   * Admits a person a single sign-on provider vouched for (name already mapped): the same lists,
   * groups and account checks as a password login; with the Slurm spawner the name must be an
   * account on the cluster (no_cluster_account otherwise).
   */
  admitExternal(identity: Identity, address: string): Promise<UserRow>;
}

/** Who signed in how: the configured authenticator for passwords, `oidc` for single sign-on. */
export type LoginKind = HubConfig['auth']['authenticator'] | 'oidc';

/**
 * What the pipeline tells whoever watches it (the hub's metrics): refused sign-ins, by the error
 * code the person was answered with, and lock-outs, by what was locked (a name or an address).
 * Never who or from where.
 */
export interface LoginObserver {
  loginFailed(kind: LoginKind, reason: ErrorCode): void;
  lockedOut(kind: LoginKind, scope: 'user' | 'address'): void;
}

export interface PipelineOptions {
  /** Jobs run as the user's system account (the Slurm spawner): single sign-on and LDAP need one. */
  requireSystemAccount: boolean;
  /** Told of refused sign-ins and lock-outs (default: nobody). */
  observer?: LoginObserver | undefined;
}

const UNOBSERVED: LoginObserver = { loginFailed: () => {}, lockedOut: () => {} };

function minutes(seconds: number): string {
  const m = Math.ceil(seconds / 60);
  return m === 1 ? '1 minute' : `${m} minutes`;
}

export function createLoginPipeline(
  db: Kysely<Database>,
  authenticator: Authenticator,
  auth: HubConfig['auth'],
  log: { warn(obj: object, msg: string): void; info(obj: object, msg: string): void },
  options: PipelineOptions = { requireSystemAccount: false },
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
  const adminGroups = new Set(auth.admin_groups);
  const observer = options.observer ?? UNOBSERVED;
  const passwordKind: LoginKind = auth.authenticator;

  /** Runs a sign-in, telling the observer why it was refused. */
  async function observed<T>(kind: LoginKind, attempt: () => Promise<T>): Promise<T> {
    try {
      return await attempt();
    } catch (err) {
      if (err instanceof HubError) observer.loginFailed(kind, err.code);
      throw err;
    }
  }

  /** Counts a failure of `key`; tells the observer and the log when it locked the key out. */
  function countFailure(limiter: FailureLimiter, scope: 'user' | 'address', key: string, kind: LoginKind) {
    const locked = limiter.fail(key);
    if (locked) observer.lockedOut(kind, scope);
    return locked;
  }

  function lockedOut(seconds: number): HubError {
    return new HubError(
      'rate_limited',
      `Too many failed sign-in attempts. Try again in ${minutes(seconds)}.`,
      { headers: { 'retry-after': String(seconds) } },
    );
  }

  function failed(name: string, address: string): HubError {
    const userLocked = countFailure(byUser, 'user', `u:${name}`, passwordKind);
    const addressLocked = countFailure(byAddress, 'address', `a:${address}`, passwordKind);
    if (userLocked || addressLocked) {
      log.warn({ user: name, address, scope: userLocked ? 'user' : 'address' }, 'login locked out');
    }
    return new HubError('invalid_credentials');
  }

  function assertNotLockedOut(address: string, name?: string): void {
    const wait = Math.max(name ? byUser.lockedFor(`u:${name}`) : 0, byAddress.lockedFor(`a:${address}`));
    if (wait > 0) throw lockedOut(wait);
  }

  /** Whether the user is an admin: the authenticator's word, else the lists and groups. */
  function adminRights(identity: Identity, existing: UserRow | undefined): boolean {
    if (identity.admin !== undefined) return identity.admin;
    if (admins.has(identity.name)) return true;
    // With admin groups and an authenticator that reports groups, the groups decide: leaving the
    // group ends the rights at the next sign-in instead of keeping them forever.
    if (adminGroups.size > 0 && identity.groups !== undefined)
      return identity.groups.some((g) => adminGroups.has(g));
    return existing?.admin === 1;
  }

  /**
   * With the Slurm spawner, a name vouched for by a provider or directory (not a Unix account PAM
   * checked) must be an account on the cluster, or nothing could ever run: no_cluster_account.
   */
  async function requireClusterAccount(identity: Identity): Promise<void> {
    if (!options.requireSystemAccount || identity.claimed === undefined) return;
    if ((await lookupSystemAccount(identity.name)) !== null) return;
    log.warn({ user: identity.name, claimed: identity.claimed }, 'signed in without a cluster account');
    throw new HubError(
      'no_cluster_account',
      `There is no cluster account for ${identity.claimed}: the cluster has no account named ${identity.name}.`,
    );
  }

  async function admit(identity: Identity, accountProblem: () => Promise<string | null>): Promise<UserRow> {
    const existing = await findUser(db, identity.name);
    const isAdmin = adminRights(identity, existing);
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
    await requireClusterAccount(identity);
    const problem = await accountProblem();
    if (problem !== null) throw new HubError('account_unusable', problem);

    let user: UserRow;
    if (!existing) {
      user = await createUser(db, { name: identity.name, admin: isAdmin });
      log.info({ user: user.name, admin: isAdmin }, 'user created at first login');
    } else if (Boolean(existing.admin) !== isAdmin) {
      user = await updateUser(db, existing.id, { admin: isAdmin });
    } else {
      user = existing;
    }
    if (auth.sync_groups && identity.groups !== undefined) await setUserGroups(db, user.id, identity.groups);
    return user;
  }

  async function passwordLogin({ username, password, address }: LoginAttempt): Promise<UserRow> {
    const name = normaliseUsername(username);
    assertNotLockedOut(address, name);
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
    return admit(identity, async () => (await authenticator.checkAccount?.(identity.name)) ?? null);
  }

  return {
    // Only single sign-on asks this itself (before and after the provider); password logins check
    // inside login().
    assertNotLockedOut(address, name) {
      try {
        assertNotLockedOut(address, name);
      } catch (err) {
        observer.loginFailed('oidc', (err as HubError).code);
        throw err;
      }
    },

    externalFailed(address) {
      if (countFailure(byAddress, 'address', `a:${address}`, 'oidc'))
        log.warn({ address, scope: 'address' }, 'login locked out');
      observer.loginFailed('oidc', 'sso_failed');
      return new HubError('sso_failed');
    },

    admitExternal: (identity, address) =>
      observed('oidc', async () => {
        assertNotLockedOut(address, identity.name);
        byAddress.succeed(`a:${address}`);
        return admit(identity, async () => null);
      }),

    login: (attempt) => observed(passwordKind, () => passwordLogin(attempt)),
  };
}
