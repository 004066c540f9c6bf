// Signing in and out through the pages, as a browser does, with the protections a hub needs:
// CSRF tokens, cookie flags, lock-out after repeated failures, no open redirects.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Browser, TestHub } from '../../test-support/hub.js';

describe('login and logout', () => {
  let hub: TestHub;

  before(async () => {
    hub = await TestHub.start();
    await hub.addUser('alice', { password: 'alice-password-1' });
    await hub.addUser('blocked-bob', { password: 'bob-password-1' });
    await hub.addUser('lockme', { password: 'lockme-password' });
    await hub.hub.db.updateTable('users').set({ blocked: 1 }).where('name', '=', 'blocked-bob').execute();
  });
  after(() => hub.stop());

  test('the login page is a form with a CSRF token and strict security headers', async () => {
    const res = await new Browser(hub.url).get('/hub/login');
    assert.equal(res.status, 200);
    assert.match(res.text, /<form method="post" action="\/hub\/login"/);
    assert.match(res.text, /name="_xsrf" value="[\w-]{20,}"/);
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    assert.equal(res.headers.get('x-frame-options'), 'DENY');
  });

  test('a user logs in, gets an httpOnly SameSite=Lax session cookie, sees home, and logs out', async () => {
    const browser = new Browser(hub.url);
    const res = await browser.submitLogin('Alice', 'alice-password-1');
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/hub/home');
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('hpchub-session='));
    assert.ok(cookie);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Lax/i);
    assert.doesNotMatch(cookie, /Secure/i, 'no Secure flag over plain HTTP in auto mode');

    const home = await browser.get('/hub/home');
    assert.equal(home.status, 200);
    assert.match(home.text, /Welcome, alice/);

    const api = await fetch(`${hub.url}/hub/api/user`, { headers: { cookie: browser.cookieHeader() } });
    assert.equal(((await api.json()) as { name: string }).name, 'alice');

    const sessionCookie = browser.cookies.get('hpchub-session') ?? '';
    const out = await browser.postForm('/hub/logout', { _xsrf: await browser.csrfToken() });
    assert.equal(out.status, 303);
    // The old cookie no longer works even if someone kept a copy.
    const replay = await fetch(`${hub.url}/hub/api/user`, {
      headers: { cookie: `hpchub-session=${sessionCookie}` },
    });
    assert.equal(replay.status, 401);
  });

  test('X-Forwarded-Proto from a client that is not a trusted proxy changes nothing', async () => {
    // trusted_proxies is empty by default: anyone could send this header (see tests/deploy.test.ts
    // for a hub behind nginx that it believes).
    const browser = new Browser(hub.url);
    const page = await browser.get('/hub/login');
    const xsrf = /name="_xsrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';
    const res = await browser.request('POST', '/hub/login', {
      body: new URLSearchParams({ username: 'alice', password: 'alice-password-1', _xsrf: xsrf }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-proto': 'https' },
    });
    assert.equal(res.status, 303);
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('hpchub-session='));
    assert.doesNotMatch(cookie ?? '', /Secure/i);
  });

  test('wrong password, unknown user and blocked user get clear messages and no session', async () => {
    for (const [name, password, status, message] of [
      ['alice', 'wrong-password', 403, /Invalid username or password/],
      ['nobody', 'whatever-password', 403, /Invalid username or password/],
      ['blocked-bob', 'bob-password-1', 403, /may not log in/],
      ['a/b', 'whatever-password', 403, /Invalid username or password/],
    ] as const) {
      const browser = new Browser(hub.url);
      const res = await browser.submitLogin(name, password);
      assert.equal(res.status, status, name);
      assert.match(res.text, message);
      assert.equal(browser.cookies.has('hpchub-session'), false);
    }
  });

  test('ten wrong passwords in a row lock the account out, even for the right password', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      statuses.push((await new Browser(hub.url).submitLogin('lockme', `wrong-${i}-password`)).status);
    }
    assert.deepEqual(statuses.slice(0, 5), [403, 403, 403, 403, 403]);
    assert.deepEqual(statuses.slice(5), [429, 429, 429, 429, 429]);
    const right = await new Browser(hub.url).submitLogin('lockme', 'lockme-password');
    assert.equal(right.status, 429);
    assert.match(right.text, /Too many failed sign-in attempts\. Try again in \d+ minutes?/);
    assert.ok(Number(right.headers.get('retry-after')) > 0);
  });

  test('a login form posted without its CSRF token is refused', async () => {
    const browser = new Browser(hub.url);
    await browser.get('/hub/login');
    const res = await browser.postForm('/hub/login', { username: 'alice', password: 'alice-password-1' });
    assert.equal(res.status, 400);
    const forged = await browser.postForm('/hub/login', {
      username: 'alice',
      password: 'alice-password-1',
      _xsrf: 'forged',
    });
    assert.equal(forged.status, 403);
    assert.equal(browser.cookies.has('hpchub-session'), false);
  });

  test('a cookie-authenticated state change without the CSRF header is refused', async () => {
    const browser = await hub.login('alice', 'alice-password-1');
    const res = await fetch(`${hub.url}/hub/api/users/alice/tokens`, {
      method: 'POST',
      headers: { cookie: browser.cookieHeader(), 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(res.status, 403);
    assert.equal(((await res.json()) as { code: string }).code, 'csrf_failed');
    const ok = await fetch(`${hub.url}/hub/api/users/alice/tokens`, {
      method: 'POST',
      headers: {
        cookie: browser.cookieHeader(),
        'content-type': 'application/json',
        'x-xsrftoken': await browser.csrfToken(),
      },
      body: '{}',
    });
    assert.equal(ok.status, 201);
    const logout = await browser.postForm('/hub/logout', { _xsrf: 'forged' });
    assert.equal(logout.status, 403);
  });

  test('after login the browser goes to `next`, but never to another site', async () => {
    const browser = new Browser(hub.url);
    const inside = await browser.submitLogin('alice', 'alice-password-1', '/user/alice/lab');
    assert.equal(inside.headers.get('location'), '/user/alice/lab');
    for (const next of ['//evil.example/x', 'https://evil.example/', '/\\evil.example']) {
      const res = await new Browser(hub.url).submitLogin('alice', 'alice-password-1', next);
      assert.equal(res.headers.get('location'), '/hub/home', next);
    }
  });

  test('pages ask anonymous visitors to log in', async () => {
    const res = await new Browser(hub.url).get('/hub/home');
    assert.equal(res.status, 302);
    assert.equal(res.headers.get('location'), '/hub/login?next=%2Fhub%2Fhome');
  });

  test('a wrong username is answered with the same message and status as a wrong password', async () => {
    const a = await new Browser(hub.url).submitLogin('alice', 'not-her-password');
    const b = await new Browser(hub.url).submitLogin('not-a-user', 'not-her-password');
    assert.equal(a.status, b.status);
    const message = (t: string) => /id="login-error">([^<]*)</.exec(t)?.[1];
    assert.equal(message(a.text), message(b.text));
  });
});
