// The hub as an OpenID Connect relying party, with openid-client doing every protocol check:
// discovery, the authorization code flow with PKCE, `state` and `nonce`, the ID token's signature,
// issuer, audience and times (with a tolerance for clock skew), userinfo, and RP-initiated
// logout. A provider without discovery (GitHub) is plain OAuth 2.0: its endpoints come from the
// configuration and the person's claims from its user API. Nothing here decides who may sign in;
// it only says what the provider vouches for.
import * as oidc from 'openid-client';
import type { HubConfig } from '../../config/index.js';
import { parseExtraParams } from '../../config/sso-lists.js';
import { HubError } from '../../errors/index.js';

export type OidcSettings = HubConfig['auth']['oidc'];

/** What the browser must bring back to the callback, kept in a signed cookie meanwhile. */
export interface PendingSignIn {
  state: string;
  /** Absent for plain OAuth 2.0, which has no ID token to carry it. */
  nonce?: string;
  verifier: string;
}

/** What the provider vouched for. */
export interface VouchedClaims {
  claims: Record<string, unknown>;
  /** The raw ID token, kept as the hint for RP-initiated logout. */
  idToken: string | undefined;
}

export interface OidcLog {
  warn(obj: object, msg: string): void;
}

const LOOPBACK = new Set(['127.0.0.1', '[::1]', 'localhost']);

/**
 * What went wrong, as specific as the library says: openid-client wraps the failed check of
 * oauth4webapi ("unexpected JWT claim value encountered") around its precise reason
 * ('unexpected JWT "aud" (audience) claim value').
 */
function reasonOf(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error && cause.message !== '') return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** Whether an error means the provider could not be reached or did not answer in time. */
function unreachable(err: unknown): boolean {
  for (let e: unknown = err; e instanceof Error; e = e.cause) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return true;
    if (e instanceof TypeError && /fetch failed/.test(e.message)) return true;
    if (e instanceof Response && e.status >= 500) return true;
  }
  // openid-client keeps the provider's response as the cause of an unexpected status.
  const cause = (err as { cause?: unknown } | null)?.cause;
  return cause instanceof Response && cause.status >= 500;
}

export class OidcClient {
  private configuration: Promise<oidc.Configuration> | undefined;
  private readonly openid: boolean;
  private readonly extraParams: Record<string, string>;

  constructor(
    readonly settings: OidcSettings,
    private readonly clientSecret: string | undefined,
    private readonly log: OidcLog,
  ) {
    const issuer = new URL(settings.issuer);
    if (issuer.protocol === 'http:' && !LOOPBACK.has(issuer.hostname))
      throw new Error(
        `auth.oidc.issuer must be an https URL (plain http only on this machine): ${settings.issuer}`,
      );
    this.openid = settings.scopes.includes('openid');
    this.extraParams = parseExtraParams(settings.extra_params).value;
  }

  /** The provider's display name, for "Sign in with …". */
  get name(): string {
    return this.settings.name;
  }

  /** Discovery (or the configured endpoints), once; a failure is retried by the next sign-in. */
  private config(): Promise<oidc.Configuration> {
    this.configuration ??= this.discover().catch((err: unknown) => {
      this.configuration = undefined;
      throw err;
    });
    return this.configuration;
  }

  private async discover(): Promise<oidc.Configuration> {
    const s = this.settings;
    const issuer = new URL(s.issuer);
    const metadata: Partial<oidc.ClientMetadata> = {
      [oidc.clockTolerance]: s.clock_tolerance_seconds,
      ...(this.clientSecret === undefined ? {} : { client_secret: this.clientSecret }),
    };
    const insecure = issuer.protocol === 'http:';
    let config: oidc.Configuration;
    if (s.authorization_url !== '') {
      config = new oidc.Configuration(
        {
          issuer: s.issuer,
          authorization_endpoint: s.authorization_url,
          token_endpoint: s.token_url,
          userinfo_endpoint: s.userinfo_url,
        },
        s.client_id,
        metadata,
        this.clientAuth(undefined),
      );
      config.timeout = s.timeout_seconds;
      if (insecure) oidc.allowInsecureRequests(config);
    } else {
      config = await oidc.discovery(issuer, s.client_id, metadata, undefined, {
        timeout: s.timeout_seconds,
        ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
      });
      // A registered confidential client authenticates as the provider expects by default.
      const auth = this.clientAuth(config.serverMetadata().token_endpoint_auth_methods_supported);
      config = new oidc.Configuration(config.serverMetadata(), s.client_id, metadata, auth);
      config.timeout = s.timeout_seconds;
      if (insecure) oidc.allowInsecureRequests(config);
      // The ID token's signature is checked against the provider's published keys, not only
      // trusted for arriving over TLS from the token endpoint (which OIDC Core would allow).
      if (this.openid) oidc.enableNonRepudiationChecks(config);
    }
    return config;
  }

  private clientAuth(supported: string[] | undefined): oidc.ClientAuth {
    if (this.clientSecret === undefined) return oidc.None();
    const basic = supported === undefined ? false : supported.includes('client_secret_basic');
    return basic ? oidc.ClientSecretBasic(this.clientSecret) : oidc.ClientSecretPost(this.clientSecret);
  }

  /** Runs a step against the provider, turning its failures into errors a person can act on. */
  private async step<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof HubError) throw err;
      const code = (err as { code?: unknown }).code;
      // The message and code name the failed check; neither contains a token or the secret.
      const reason = reasonOf(err);
      this.log.warn({ provider: this.settings.issuer, step: what, reason, code }, 'single sign-on failed');
      if (unreachable(err))
        throw new HubError(
          'sso_unavailable',
          `The sign-in service of ${this.name} did not answer. Try again in a few minutes.`,
        );
      throw new HubError(
        'sso_failed',
        `Signing in through ${this.name} did not work (${reason}). Start again from the login page.`,
      );
    }
  }

  /**
   * For `hpchub config check --connect`: discovery (or the configured endpoints) as the first
   * sign-in would do it. Resolves to what the provider offers; rejects with the precise reason.
   */
  async probe(): Promise<string> {
    let config: oidc.Configuration;
    try {
      config = await this.config();
    } catch (err) {
      throw new Error(reasonOf(err));
    }
    const m = config.serverMetadata();
    const logout = m.end_session_endpoint ? 'RP-initiated logout' : 'no logout endpoint';
    return `issuer ${m.issuer}: authorization and token endpoints, ${m.userinfo_endpoint ? 'userinfo' : 'no userinfo'}, ${logout}`;
  }

  /** Where to send the browser to sign in, and what its return must match. */
  async begin(redirectUri: string): Promise<{ url: URL; pending: PendingSignIn }> {
    const config = await this.step('discovery', () => this.config());
    const verifier = oidc.randomPKCECodeVerifier();
    const pending: PendingSignIn = {
      state: oidc.randomState(),
      verifier,
      ...(this.openid ? { nonce: oidc.randomNonce() } : {}),
    };
    const url = oidc.buildAuthorizationUrl(config, {
      ...this.extraParams,
      redirect_uri: redirectUri,
      scope: this.settings.scopes.join(' '),
      state: pending.state,
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      ...(pending.nonce === undefined ? {} : { nonce: pending.nonce }),
    });
    return { url, pending };
  }

  /**
   * Checks the provider's answer at the callback (`callbackUrl`: the registered redirect URL with
   * the query the browser brought) and returns the claims it vouches for.
   */
  async finish(callbackUrl: URL, pending: PendingSignIn): Promise<VouchedClaims> {
    const config = await this.step('discovery', () => this.config());
    const tokens = await this.step('callback', () =>
      oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: pending.verifier,
        expectedState: pending.state,
        ...(pending.nonce === undefined ? {} : { expectedNonce: pending.nonce }),
        idTokenExpected: this.openid,
      }),
    );
    const idClaims = tokens.claims();
    const claims: Record<string, unknown> = { ...idClaims };
    if (this.needsUserinfo(claims, config)) {
      const info = await this.step('userinfo', async () => {
        if (idClaims !== undefined) return oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        const res = await oidc.fetchProtectedResource(
          config,
          tokens.access_token,
          new URL(this.settings.userinfo_url),
          'GET',
        );
        if (!res.ok) throw new Error(`the user API answered ${res.status}`);
        return (await res.json()) as Record<string, unknown>;
      });
      // The ID token's claims stand; userinfo only adds what the token did not carry.
      for (const [k, v] of Object.entries(info)) if (!(k in claims)) claims[k] = v;
    }
    return { claims, idToken: tokens.id_token };
  }

  private needsUserinfo(claims: Record<string, unknown>, config: oidc.Configuration): boolean {
    if (!this.openid || this.settings.userinfo_url !== '') return true;
    if (!config.serverMetadata().userinfo_endpoint) return false;
    const s = this.settings;
    return !(s.username_claim in claims) || (s.groups_claim !== '' && !(s.groups_claim in claims));
  }

  /** The provider's logout page for RP-initiated logout, or null when it has none (or it is off). */
  async logoutUrl(idToken: string, postLogoutRedirect: string): Promise<URL | null> {
    if (!this.settings.logout) return null;
    let config: oidc.Configuration;
    try {
      config = await this.config();
    } catch {
      // The hub's own session is over either way; an unreachable provider only loses its logout.
      return null;
    }
    if (!config.serverMetadata().end_session_endpoint) return null;
    return oidc.buildEndSessionUrl(config, {
      id_token_hint: idToken,
      post_logout_redirect_uri: postLogoutRedirect,
    });
  }
}
