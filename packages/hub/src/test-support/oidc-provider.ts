// A real OpenID provider for tests: panva's oidc-provider (OpenID-certified), in this process on
// a free loopback port, with one client for the hub under test, people and their claims, and its
// signing key made by the test, so a test can also craft tokens the provider would never issue
// (another key, `alg: none`, a wrong issuer …) and have the provider's token endpoint hand them
// out. Its development login form takes any password for a known login.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  decodeJwt,
  exportJWK,
  generateKeyPair,
  type JWTPayload,
  type KeyLike,
  SignJWT,
  UnsecuredJWT,
} from 'jose';
import Provider from 'oidc-provider';
import { Browser } from './hub.js';

export const TEST_CLIENT = { id: 'hpchub-test', secret: randomBytes(24).toString('base64url') };

/** How a test rewrites the ID token the provider issued, before the hub receives it. */
export type IdTokenTamper = (claims: JWTPayload, keys: TokenKeys) => Promise<string>;

export interface TokenKeys {
  /** Signs as the provider does (its own key and kid). */
  provider(claims: JWTPayload): Promise<string>;
  /** Signs with a key the provider never published, under the provider's kid. */
  stranger(claims: JWTPayload): Promise<string>;
  /** An unsigned token (`alg: none`). */
  unsigned(claims: JWTPayload): string;
}

const KID = 'test-signing-key';

export class TestOpenIdProvider {
  private tamper: IdTokenTamper | undefined;
  private tokenDelayMs = 0;
  private keys: TokenKeys | undefined;
  /** Logins the provider knows, with their claims. */
  readonly people = new Map<string, Record<string, unknown>>();

  private constructor(private readonly server: Server) {}

  /** Listens on a free port first, so the hub can be configured with the issuer before it starts. */
  static async reserve(): Promise<TestOpenIdProvider> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new TestOpenIdProvider(server);
  }

  get issuer(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** The hub's `auth.oidc` settings for this provider as "Test University", with the secret in `secretFile`. */
  hubSettings(secretFile: string) {
    return {
      issuer: this.issuer,
      name: 'Test University',
      client_id: TEST_CLIENT.id,
      client_secret_file: secretFile,
    };
  }

  /** Starts answering as a provider with the hub (at `hubUrl`) as its one client. */
  async start(hubUrl: string): Promise<void> {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const stranger = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(privateKey)), kid: KID, alg: 'RS256', use: 'sig' };
    const sign = (key: KeyLike) => (claims: JWTPayload) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: KID, typ: 'JWT' }).sign(key);
    this.keys = {
      provider: sign(privateKey),
      stranger: sign(stranger.privateKey),
      unsigned: (claims) => new UnsecuredJWT(claims).encode(),
    };
    const people = this.people;
    const provider = new Provider(this.issuer, {
      clients: [
        {
          client_id: TEST_CLIENT.id,
          client_secret: TEST_CLIENT.secret,
          redirect_uris: [`${hubUrl}/hub/oidc/callback`],
          post_logout_redirect_uris: [`${hubUrl}/hub/login`],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      jwks: { keys: [jwk] },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      claims: {
        openid: ['sub'],
        profile: ['preferred_username', 'name'],
        email: ['email', 'email_verified'],
        groups: ['groups'],
      },
      features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
      async findAccount(_ctx, id) {
        const claims = people.get(id);
        if (!claims) return undefined;
        return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
      },
    });
    // The hook a test uses to replace the ID token on its way out of the token endpoint.
    provider.use(async (ctx, next) => {
      if (ctx.path === '/token' && this.tokenDelayMs > 0) await sleep(this.tokenDelayMs);
      await next();
      const body = ctx.body as { id_token?: string } | undefined;
      if (ctx.path === '/token' && this.tamper && this.keys && typeof body?.id_token === 'string') {
        ctx.body = { ...body, id_token: await this.tamper(decodeJwt(body.id_token), this.keys) };
      }
    });
    // Besides the provider, a user API in GitHub's manner (GET /api/user with the access token:
    // `login` and `id`), for a provider that is plain OAuth 2.0 without ID tokens.
    const answer = provider.callback();
    this.server.on('request', (req, res) => {
      if (req.url !== '/api/user') return answer(req, res);
      const token = /^bearer (\S+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
      void provider.AccessToken.find(token).then((found) => {
        const claims = found ? people.get(found.accountId) : undefined;
        res.writeHead(claims ? 200 : 401, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify(
            claims ? { login: found?.accountId, id: 4242, ...claims } : { message: 'Bad credentials' },
          ),
        );
      });
    });
  }

  /** From now on, ID tokens reach the hub as `tamper` rewrites them (undefined: as issued). */
  tamperIdTokens(tamper: IdTokenTamper | undefined): void {
    this.tamper = tamper;
  }

  /** From now on, the token endpoint answers only after `ms` (0: at once), as a provider under load. */
  delayTokenAnswers(ms: number): void {
    this.tokenDelayMs = ms;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /**
   * Signs `login` in at the provider the way a browser would, starting from the hub's "Sign in
   * with …" link with `hub`'s cookies, and returns the callback URL the provider sent the browser
   * back to (not yet visited, so a test may alter it), and whether the provider asked for a
   * password (false when its session was still alive). `atProvider` keeps the provider's cookies.
   */
  async signInUpToCallback(
    hub: Browser,
    login: string,
    atProvider = new Browser(this.issuer),
  ): Promise<{ callback: URL; askedToLogIn: boolean }> {
    const start = await hub.get('/hub/oidc/login');
    if (start.status !== 302)
      throw new Error(
        `the hub did not redirect to the provider: ${start.status} ${start.text.slice(0, 300)}`,
      );
    let location = new URL(start.headers.get('location') ?? '');
    let form: Record<string, string> | undefined;
    let askedToLogIn = false;
    for (let hop = 0; hop < 20; hop++) {
      if (location.origin !== this.issuer) return { callback: location, askedToLogIn };
      const path = `${location.pathname}${location.search}`;
      const res = form ? await atProvider.postForm(path, form) : await atProvider.get(path);
      form = undefined;
      const next = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && next) {
        location = new URL(next, location);
        continue;
      }
      const action = /<form[^>]*action="([^"]+)"/.exec(res.text)?.[1];
      if (res.status !== 200 || !action)
        throw new Error(`unexpected provider page ${res.status}: ${res.text.slice(0, 300)}`);
      // The login form wants a login and any password; the consent form only a press.
      askedToLogIn ||= /name="login"/.test(res.text);
      form = /name="login"/.test(res.text)
        ? { prompt: 'login', login, password: 'any password' }
        : { prompt: 'consent' };
      location = new URL(action, location);
    }
    throw new Error('the sign-in at the provider did not come back to the hub');
  }

  /**
   * Follows the hub's answer to signing out (a redirect to the provider's logout page), confirms
   * there, and returns where the provider sent the browser afterwards.
   */
  async confirmLogout(hubAnswer: { status: number; headers: Headers }, atProvider: Browser): Promise<URL> {
    let location = new URL(hubAnswer.headers.get('location') ?? '', this.issuer);
    let form: Record<string, string> | undefined;
    for (let hop = 0; hop < 10; hop++) {
      if (location.origin !== this.issuer) return location;
      const path = `${location.pathname}${location.search}`;
      const res = form ? await atProvider.postForm(path, form) : await atProvider.get(path);
      const next = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && next) {
        form = undefined;
        location = new URL(next, location);
        continue;
      }
      const action = /<form[^>]*action="([^"]+)"/.exec(res.text)?.[1];
      const xsrf = /name="xsrf" value="([^"]+)"/.exec(res.text)?.[1];
      if (res.status !== 200 || !action || form)
        throw new Error(`unexpected provider page ${res.status}: ${res.text.slice(0, 300)}`);
      form = { logout: 'yes', ...(xsrf ? { xsrf } : {}) };
      location = new URL(action, location);
    }
    throw new Error('the logout at the provider did not come back to the hub');
  }
}
