// The authenticator contract. An authenticator only maps credentials to an identity; the hub's
// login pipeline (./pipeline.ts) owns everything else: username normalisation, allow/block and
// admin lists, rate limiting, sessions, and the check that the account can run jobs.

/** What a successful authentication yields. */
export interface Identity {
  /** The normalised username (the pipeline normalises before calling authenticate). */
  name: string;
  /** true/false when the authenticator knows; undefined leaves the admin flag to the hub's lists. */
  admin?: boolean;
  /** Groups the authenticator vouches for (e.g. Unix groups for PAM); undefined when unknown. */
  groups?: string[];
  /**
   * The name as a provider or directory vouched for it, before `auth.account_map` (e.g.
   * jdoe@uni.example), for messages. Set by single sign-on and LDAP, whose names need not be
   * accounts on the cluster: with the Slurm spawner the pipeline then checks that one exists.
   */
  claimed?: string;
}

/** Why an authentication did not produce an identity, in terms a user can act on. */
export type AuthFailure =
  /** Wrong username or password; deliberately does not say which. */
  | { kind: 'invalid_credentials' }
  /** The credentials are right but the account cannot be used yet or any more. */
  | { kind: 'account_unusable'; message: string };

export type AuthResult = { ok: true; identity: Identity } | { ok: false; failure: AuthFailure };

export interface Authenticator {
  /** Stable id used in configuration (`auth.authenticator`) and in logs. */
  readonly id: string;
  /**
   * Check a username (already normalised by the pipeline) and password.
   *
   * Must not throw for wrong credentials or unknown users: those are `invalid_credentials`.
   * Throws only when the authenticator itself is broken (a missing native module, an
   * unreachable directory), which the hub reports as a server error. Must not block the
   * event loop: slow back ends run in a worker thread or child process.
   */
  authenticate(username: string, password: string): Promise<AuthResult>;
  /**
   * Whether the account can start servers (e.g. its home directory exists). Called after a
   * successful authentication; returns null when fine, or a message the login page shows.
   */
  checkAccount?(username: string): Promise<string | null>;
  /** Release resources (pending PAM calls, connections). Idempotent; the hub calls it at shutdown. */
  close(): Promise<void>;
}
