// How the agent proves itself to the app on every request it forwards: nothing (the app is only
// reachable by the user's own processes), the token header Jupyter expects, a header the catalog
// names, or cookies from one sign-in through the app's login form (RStudio).
import http from 'node:http';
import type { AgentLaunchSpec } from '@hpchub/protocol';
import type { AppTarget } from './app-target.js';

export class AppAuthError extends Error {
  override name = 'AppAuthError';
}

export class AppAuth {
  /** Header set on every forwarded request, replacing any the client sent. */
  readonly header: readonly [string, string] | undefined;
  /** Cookies from a form login, added to every forwarded request. */
  private readonly cookies = new Map<string, string>();

  constructor(
    private readonly spec: AgentLaunchSpec['appAuth'],
    token: string,
    private readonly fill: (template: string) => string,
  ) {
    if (spec.kind === 'token-header') this.header = ['Authorization', `token ${token}`];
    else if (spec.kind === 'header') this.header = [spec.name, fill(spec.value)];
    else this.header = undefined;
  }

  /** `name=value; …` of the sign-in cookies, or undefined. */
  cookieHeader(): string | undefined {
    if (this.cookies.size === 0) return undefined;
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  hasCookie(name: string): boolean {
    return this.cookies.has(name);
  }

  /** For form-login: posts the form once and keeps the cookies the app sets. A no-op otherwise. */
  async signIn(target: AppTarget): Promise<void> {
    const spec = this.spec;
    if (spec.kind !== 'form-login') return;
    const path = target.appPath(target.publicPath(spec.path));
    if (path === null) throw new AppAuthError(`the sign-in path ${spec.path} is outside the prefix`);
    const body = new URLSearchParams(
      Object.entries(spec.fields).map(([name, value]): [string, string] => [name, this.fill(value)]),
    ).toString();
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      const req = http.request({
        ...target.connectOptions(),
        method: 'POST',
        path,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
        },
        timeout: 30_000,
      });
      req.once('response', resolve);
      req.once('error', reject);
      req.once('timeout', () =>
        req.destroy(new AppAuthError('the app did not answer the sign-in within 30 s')),
      );
      req.end(body);
    });
    res.resume();
    for (const line of res.headers['set-cookie'] ?? []) {
      const pair = line.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const status = res.statusCode ?? 0;
    if (status >= 400 || this.cookies.size === 0)
      throw new AppAuthError(
        `signing in to the app at ${spec.path} failed (HTTP ${status}, no session cookie)`,
      );
  }
}
