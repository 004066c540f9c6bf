// Sign-ins the hub refused and the lock-outs of its rate limits, by how people sign in (the
// configured authenticator, or oidc for single sign-on) and the error code they were answered
// with, or what was locked (a name or an address). Never who or from where.
import { Counter, type Registry } from 'prom-client';
import type { LoginKind, LoginObserver } from '../auth/pipeline.js';
import type { ErrorCode } from '../errors/index.js';

export class LoginMetrics implements LoginObserver {
  readonly #failures: Counter<'authenticator' | 'reason'>;
  readonly #lockouts: Counter<'authenticator' | 'scope'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.#failures = new Counter({
      name: 'hpchub_login_failures_total',
      help: 'Sign-ins refused, by authenticator (local, pam, ldap, oidc) and reason (the error code answered: invalid_credentials, rate_limited, account_blocked…).',
      labelNames: ['authenticator', 'reason'],
      registers,
    });
    this.#lockouts = new Counter({
      name: 'hpchub_login_lockouts_total',
      help: 'Lock-outs by the sign-in rate limits, by authenticator and scope (user: a name, address: a client address).',
      labelNames: ['authenticator', 'scope'],
      registers,
    });
  }

  loginFailed(kind: LoginKind, reason: ErrorCode): void {
    this.#failures.inc({ authenticator: kind, reason });
  }

  lockedOut(kind: LoginKind, scope: 'user' | 'address'): void {
    this.#lockouts.inc({ authenticator: kind, scope });
  }
}
