// Single sign-on against a real OpenID provider (oidc-provider, in this process): a person signs
// in and is mapped onto a hub user, groups from the claims make an admin, signing out ends the
// provider's session too; and every broken or forged answer is refused with a clear page,
// counted by the same rate limit as wrong passwords, and leaves no session and no user behind.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { HubConfig } from '../../config/index.js';
import { createFakeSpawner } from '../../test-support/fake-spawner.js';
import { Browser, TestHub } from '../../test-support/hub.js';
import { TEST_CLIENT, TestOpenIdProvider } from '../../test-support/oidc-provider.js';
import { testSystemUser, testSystemUsers } from '../../test-support/system-users.js';

let secretDir: string;

before(async () => {
  secretDir = await mkdtemp(join(tmpdir(), 'hpchub-oidc-secret-'));
  await writeFile(join(secretDir, 'client-secret'), `${TEST_CLIENT.secret}\n`, { mode: 0o600 });
});
after(() => rm(secretDir, { recursive: true, force: true }));

/** A hub whose single sign-on goes to `issuer`, as a site would configure it for Keycloak. */
function ssoConfig(issuer: string, more: (config: HubConfig) => void = () => {}) {
  return (config: HubConfig) => {
    Object.assign(config.auth.oidc, {
      issuer,
      name: 'Test University',
      client_id: TEST_CLIENT.id,
      client_secret_file: join(secretDir, 'client-secret'),
      scopes: ['openid', 'profile', 'email', 'groups'],
      username_claim: 'email',
      groups_claim: 'groups',
      timeout_seconds: 2,
    });
    config.auth.account_map.strip_domains = ['uni.example'];
    config.auth.group_map = ['/hpc/admins: hpc-admins'];
    config.auth.admin_groups = ['hpc-admins'];
    config.auth.sync_groups = true;
    more(config);
  };
}

/** The user the hub sees for a browser's session, or the status when it has none. */
async function whoAmI(hub: TestHub, browser: Browser) {
  const res = await fetch(`${hub.url}/hub/api/user`, { headers: { cookie: browser.cookieHeader() } });
  if (res.status !== 200) return res.status;
  return (await res.json()) as { name: string; admin: boolean; groups: string[] };
}

async function userCount(hub: TestHub): Promise<number> {
  return (await hub.hub.db.selectFrom('users').select('id').execute()).length;
}

describe('single sign-on with a real OpenID provider', () => {
  let op: TestOpenIdProvider;
  let hub: TestHub;

  before(async () => {
    op = await TestOpenIdProvider.reserve();
    hub = await TestHub.start({ configure: ssoConfig(op.issuer) });
    await op.start(hub.url);
    op.people.set('jdoe', { email: 'JDoe@uni.example', preferred_username: 'jdoe', groups: ['physics'] });
    op.people.set('boss', { email: 'boss@uni.example', groups: ['/hpc/admins', 'physics'] });
    op.people.set('stranger', { email: 'jdoe@elsewhere.example', groups: [] });
    op.people.set('nameless', { preferred_username: 'nameless', groups: [] });
  });
  after(async () => {
    await hub?.stop();
    await op?.stop();
  });

  test('the login page offers "Sign in with Test University" beside the password form', async () => {
    const page = await new Browser(hub.url).get('/hub/login?next=%2Fhub%2Ftokens');
    assert.match(
      page.text,
      /<a class="button sso" id="sso-login" href="\/hub\/oidc\/login\?next=%2Fhub%2Ftokens">Sign in with Test University<\/a>/,
    );
    assert.match(page.text, /<form method="post" action="\/hub\/login"/);
  });

  test('a person signs in at the provider and arrives at home as the mapped user, with groups', async () => {
    const browser = new Browser(hub.url);
    const { callback, askedToLogIn } = await op.signInUpToCallback(browser, 'jdoe');
    assert.equal(askedToLogIn, true);
    assert.equal(`${callback.origin}${callback.pathname}`, `${hub.url}/hub/oidc/callback`);
    const res = await browser.get(`${callback.pathname}${callback.search}`);
    assert.equal(res.status, 303, res.text);
    assert.equal(res.headers.get('location'), '/hub/home');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('hpchub-session='));
    assert.match(cookie ?? '', /HttpOnly/i);
    assert.match(cookie ?? '', /SameSite=Lax/i);
    assert.deepEqual(await whoAmI(hub, browser), {
      ...((await whoAmI(hub, browser)) as object),
      name: 'jdoe',
      admin: false,
      groups: ['physics'],
    });
    const home = await browser.get('/hub/home');
    assert.match(home.text, /Welcome, jdoe/);
  });

  test('a member of the admin group (after group_map) is an admin, and stops being one on leaving it', async () => {
    const browser = new Browser(hub.url);
    const { callback } = await op.signInUpToCallback(browser, 'boss');
    assert.equal((await browser.get(`${callback.pathname}${callback.search}`)).status, 303);
    const me = (await whoAmI(hub, browser)) as { name: string; admin: boolean; groups: string[] };
    assert.equal(me.name, 'boss');
    assert.equal(me.admin, true);
    assert.deepEqual(me.groups, ['hpc-admins', 'physics']);
    assert.equal((await browser.get('/hub/admin')).status, 200);

    op.people.set('boss', { email: 'boss@uni.example', groups: ['physics'] });
    const again = new Browser(hub.url);
    const second = await op.signInUpToCallback(again, 'boss');
    assert.equal((await again.get(`${second.callback.pathname}${second.callback.search}`)).status, 303);
    const after = (await whoAmI(hub, again)) as { admin: boolean; groups: string[] };
    assert.equal(after.admin, false);
    assert.deepEqual(after.groups, ['physics']);
  });

  test('signing out ends the hub session and, through RP-initiated logout, the provider session', async () => {
    const browser = new Browser(hub.url);
    const atProvider = new Browser(op.issuer);
    const { callback } = await op.signInUpToCallback(browser, 'jdoe', atProvider);
    await browser.get(`${callback.pathname}${callback.search}`);
    // While the provider's session lives, a second sign-in does not ask for a password.
    const silent = await op.signInUpToCallback(new Browser(hub.url), 'jdoe', atProvider);
    assert.equal(silent.askedToLogIn, false);

    const out = await browser.postForm('/hub/logout', { _xsrf: await browser.csrfToken() });
    assert.equal(out.status, 303);
    const toProvider = new URL(out.headers.get('location') ?? '');
    assert.equal(toProvider.origin, op.issuer);
    assert.ok(toProvider.searchParams.get('id_token_hint'));
    assert.equal(toProvider.searchParams.get('post_logout_redirect_uri'), `${hub.url}/hub/login`);
    const back = await op.confirmLogout(out, atProvider);
    assert.equal(back.href, `${hub.url}/hub/login`);
    assert.equal(await whoAmI(hub, browser), 401);
    const fresh = await op.signInUpToCallback(new Browser(hub.url), 'jdoe', atProvider);
    assert.equal(fresh.askedToLogIn, true, 'the provider asks for the password again');
  });

  test('behind a trusted proxy the callback URL is the address the browser used; from others the headers are ignored', async () => {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hub.uni.example' };
    const untrusted = await new Browser(hub.url).request('GET', '/hub/oidc/login', { headers: forwarded });
    const plain = new URL(untrusted.headers.get('location') ?? '');
    assert.equal(plain.searchParams.get('redirect_uri'), `${hub.url}/hub/oidc/callback`);
    const proxied = await TestHub.start({
      configure: ssoConfig(op.issuer, (c) => (c.trusted_proxies = ['127.0.0.1'])),
    });
    try {
      const res = await new Browser(proxied.url).request('GET', '/hub/oidc/login', { headers: forwarded });
      const url = new URL(res.headers.get('location') ?? '');
      assert.equal(url.searchParams.get('redirect_uri'), 'https://hub.uni.example/hub/oidc/callback');
      assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
      assert.ok(url.searchParams.get('nonce'));
      assert.match(res.headers.getSetCookie().find((c) => c.startsWith('hpchub-oidc=')) ?? '', /Secure/);
    } finally {
      await proxied.stop();
    }
  });

  describe('refused answers', () => {
    /** Signs `login` in at the provider, then visits the callback as `alter` changes it. */
    async function callbackAnswer(login: string, alter: (url: URL) => void = () => {}) {
      const browser = new Browser(hub.url);
      const { callback } = await op.signInUpToCallback(browser, login);
      alter(callback);
      const res = await browser.get(`${callback.pathname}${callback.search}`);
      return { res, browser, callback };
    }

    async function assertRefused(
      answer: { res: { status: number; text: string }; browser: Browser },
      message: RegExp,
      status = 400,
    ) {
      assert.equal(answer.res.status, status, answer.res.text.slice(0, 500));
      assert.match(answer.res.text, message);
      assert.match(answer.res.text, /<a class="button" href="\/hub\/login">Back to sign in<\/a>/);
      assert.equal(answer.browser.cookies.has('hpchub-session'), false);
    }

    test('a wrong state is refused', async () => {
      const users = await userCount(hub);
      const answer = await callbackAnswer('jdoe', (url) => url.searchParams.set('state', 'forged-state'));
      await assertRefused(
        answer,
        /Signing in through Test University did not work \(unexpected &quot;state&quot;/,
      );
      assert.equal(await userCount(hub), users);
    });

    test('a replayed callback is refused: the pending sign-in was used up', async () => {
      const first = await callbackAnswer('jdoe');
      assert.equal(first.res.status, 303);
      const replay = await first.browser.get(`${first.callback.pathname}${first.callback.search}`);
      await assertRefused(
        { res: replay, browser: new Browser(hub.url) },
        /This sign-in has expired or was already used/,
      );
      const elsewhere = await new Browser(hub.url).get(`${first.callback.pathname}${first.callback.search}`);
      assert.equal(elsewhere.status, 400);
    });

    const forged: [string, Parameters<TestOpenIdProvider['tamperIdTokens']>[0], RegExp][] = [
      ['a wrong nonce', (c, k) => k.provider({ ...c, nonce: 'not-the-nonce' }), /nonce/],
      ['a token signed with another key', (c, k) => k.stranger(c), /signature/i],
      ['alg: none', async (c, k) => k.unsigned(c), /alg|algorithm|JWS/i],
      ['a wrong issuer', (c, k) => k.provider({ ...c, iss: 'https://evil.example' }), /iss/],
      ['a wrong audience', (c, k) => k.provider({ ...c, aud: 'another-client' }), /aud/],
      [
        'an expired token (beyond the clock tolerance)',
        (c, k) =>
          k.provider({
            ...c,
            iat: Math.floor(Date.now() / 1000) - 7200,
            exp: Math.floor(Date.now() / 1000) - 3600,
          }),
        /exp|timestamp/i,
      ],
    ];
    for (const [what, tamper, reason] of forged) {
      test(`an ID token with ${what} is refused`, async () => {
        const users = await userCount(hub);
        op.tamperIdTokens(tamper);
        try {
          const answer = await callbackAnswer('jdoe');
          await assertRefused(answer, /Signing in through Test University did not work/);
          assert.match(answer.res.text, reason);
        } finally {
          op.tamperIdTokens(undefined);
        }
        assert.equal(await userCount(hub), users);
      });
    }

    test('a token within the clock tolerance is accepted', async () => {
      op.tamperIdTokens((c, k) =>
        k.provider({
          ...c,
          iat: Math.floor(Date.now() / 1000) - 90,
          exp: Math.floor(Date.now() / 1000) - 20,
        }),
      );
      try {
        const answer = await callbackAnswer('jdoe');
        assert.equal(answer.res.status, 303, answer.res.text.slice(0, 500));
      } finally {
        op.tamperIdTokens(undefined);
      }
    });

    test('a token endpoint slower than the time-out gets a page saying the provider did not answer', async () => {
      op.delayTokenAnswers(4000);
      try {
        const answer = await callbackAnswer('jdoe');
        assert.equal(answer.res.status, 503);
        assert.match(answer.res.text, /The sign-in service of Test University did not answer/);
        assert.equal(answer.browser.cookies.has('hpchub-session'), false);
      } finally {
        op.delayTokenAnswers(0);
      }
    });

    test('claims without the user name, or a name from another domain, are refused', async () => {
      const users = await userCount(hub);
      await assertRefused(
        await callbackAnswer('nameless'),
        /Test University did not say who you are \(no &quot;email&quot; claim\)/,
      );
      await assertRefused(
        await callbackAnswer('stranger'),
        /jdoe@elsewhere\.example cannot sign in to this hub/,
      );
      assert.equal(await userCount(hub), users);
    });

    test('a person who cancels at the provider gets the provider’s reason', async () => {
      const answer = await callbackAnswer('jdoe', (url) => {
        url.search = '';
        url.searchParams.set('error', 'access_denied');
        url.searchParams.set('error_description', 'End-User aborted interaction');
        url.searchParams.set('state', 'x');
      });
      assert.equal(answer.res.status, 400);
      assert.equal(answer.browser.cookies.has('hpchub-session'), false);
    });

    test('neither the client secret nor any token reaches the log', () => {
      const log = hub.logText();
      assert.ok(log.includes('single sign-on failed'), 'the refusals are logged');
      assert.equal(log.includes(TEST_CLIENT.secret), false);
      assert.doesNotMatch(log, /eyJ[\w-]{10,}\.[\w-]{10,}/, 'no JWT in the log');
      assert.doesNotMatch(log, /[?&]code=[\w-]{8,}/, 'no authorization code in the log');
    });
  });
});

describe('single sign-on set up in other ways', () => {
  test('a plain OAuth 2.0 provider without discovery or ID tokens (as GitHub): the name from its user API', async () => {
    const op = await TestOpenIdProvider.reserve();
    const hub = await TestHub.start({
      configure: ssoConfig(op.issuer, (c) => {
        Object.assign(c.auth.oidc, {
          name: 'GitHub',
          authorization_url: `${op.issuer}/auth`,
          token_url: `${op.issuer}/token`,
          userinfo_url: `${op.issuer}/api/user`,
          scopes: ['profile'],
          username_claim: 'login',
          groups_claim: '',
        });
      }),
    });
    try {
      await op.start(hub.url);
      op.people.set('Octo-Cat', { name: 'Octo Cat' });
      const browser = new Browser(hub.url);
      const { callback } = await op.signInUpToCallback(browser, 'Octo-Cat');
      assert.ok(callback.searchParams.get('code'));
      const res = await browser.get(`${callback.pathname}${callback.search}`);
      assert.equal(res.status, 303, res.text.slice(0, 500));
      assert.equal(((await whoAmI(hub, browser)) as { name: string }).name, 'octo-cat');
      // No ID token, so nothing to hand the provider at logout: the hub's own session just ends.
      const out = await browser.postForm('/hub/logout', { _xsrf: await browser.csrfToken() });
      assert.equal(out.headers.get('location'), '/hub/login');
    } finally {
      await hub.stop();
      await op.stop();
    }
  });

  test('the client secret from HPCHUB_OIDC_CLIENT_SECRET instead of a file', async () => {
    const op = await TestOpenIdProvider.reserve();
    process.env.HPCHUB_OIDC_CLIENT_SECRET = TEST_CLIENT.secret;
    let hub: TestHub | undefined;
    try {
      hub = await TestHub.start({
        configure: ssoConfig(op.issuer, (c) => (c.auth.oidc.client_secret_file = '')),
      });
      await op.start(hub.url);
      op.people.set('jdoe', { email: 'jdoe@uni.example', groups: [] });
      const browser = new Browser(hub.url);
      const { callback } = await op.signInUpToCallback(browser, 'jdoe');
      assert.equal((await browser.get(`${callback.pathname}${callback.search}`)).status, 303);
      assert.equal(hub.logText().includes(TEST_CLIENT.secret), false);
    } finally {
      delete process.env.HPCHUB_OIDC_CLIENT_SECRET;
      await hub?.stop();
      await op.stop();
    }
  });
});

describe('single sign-on that cannot finish', () => {
  test('a provider that is down or does not answer gets a page saying so, without hanging', async () => {
    // A port nobody listens on, and a server that accepts and never answers.
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const silent: Server = createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      for (const issuer of [
        `http://127.0.0.1:${closedPort}`,
        `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      ]) {
        const hub = await TestHub.start({
          configure: ssoConfig(issuer, (c) => (c.auth.oidc.timeout_seconds = 1)),
        });
        try {
          const res = await new Browser(hub.url).get('/hub/oidc/login');
          assert.equal(res.status, 503, issuer);
          assert.match(
            res.text,
            /The sign-in service of Test University did not answer\. Try again in a few minutes\./,
          );
          // The password form still works while the provider is away.
          assert.match((await new Browser(hub.url).get('/hub/login')).text, /action="\/hub\/login"/);
        } finally {
          await hub.stop();
        }
      }
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  });

  test('with the Slurm spawner, a person without a cluster account gets the no-account page', async () => {
    const users = testSystemUsers();
    const alice = testSystemUser(users, 'hpchub-alice');
    const op = await TestOpenIdProvider.reserve();
    const hub = await TestHub.start({
      spawner: createFakeSpawner('instant'),
      configure: ssoConfig(op.issuer, (c) => {
        c.spawner.kind = 'slurm';
        c.auth.no_account_text = 'Apply at the [HPC desk](https://hpc.uni.example/apply).';
      }),
    });
    try {
      await op.start(hub.url);
      op.people.set('jdoe', { email: 'jdoe@uni.example', groups: [] });
      op.people.set('alice', { email: `${alice.name}@uni.example`, groups: [] });
      const browser = new Browser(hub.url);
      const { callback } = await op.signInUpToCallback(browser, 'jdoe');
      const res = await browser.get(`${callback.pathname}${callback.search}`);
      assert.equal(res.status, 403);
      assert.match(res.text, /<h1 id="no-account-title">No cluster account<\/h1>/);
      assert.match(
        res.text,
        /There is no cluster account for jdoe@uni\.example: the cluster has no account named jdoe\./,
      );
      assert.match(res.text, /Apply at the <a href="https:\/\/hpc\.uni\.example\/apply"[^>]*>HPC desk<\/a>/);
      assert.equal(browser.cookies.has('hpchub-session'), false);
      assert.equal(
        await hub.hub.db.selectFrom('users').select('id').where('name', '=', 'jdoe').executeTakeFirst(),
        undefined,
      );

      const withAccount = new Browser(hub.url);
      const ok = await op.signInUpToCallback(withAccount, 'alice');
      assert.equal((await withAccount.get(`${ok.callback.pathname}${ok.callback.search}`)).status, 303);
    } finally {
      await hub.stop();
      await op.stop();
    }
  });

  test('forged callbacks count toward the lock-out, which then also stops single sign-on', async () => {
    const op = await TestOpenIdProvider.reserve();
    const hub = await TestHub.start({
      configure: ssoConfig(op.issuer, (c) => (c.auth.rate_limit.max_failures_per_address = 3)),
    });
    try {
      await op.start(hub.url);
      op.people.set('jdoe', { email: 'jdoe@uni.example', groups: [] });
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++)
        statuses.push((await new Browser(hub.url).get(`/hub/oidc/callback?code=x&state=${i}`)).status);
      assert.deepEqual(statuses, [400, 400, 400, 429]);
      const res = await new Browser(hub.url).get('/hub/oidc/login');
      assert.equal(res.status, 429);
      assert.match(res.text, /Too many failed sign-in attempts/);
      assert.ok(Number(res.headers.get('retry-after')) > 0);
    } finally {
      await hub.stop();
      await op.stop();
    }
  });
});
