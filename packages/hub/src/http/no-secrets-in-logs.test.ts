// Secrets never reach the log: drive a hub through logins, token creation and use, password
// changes and failures with the log captured at debug level, then search it for every secret —
// in both log formats (JSON lines, and the prettified lines a terminal gets).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { NewTokenModel } from '@hpchub/protocol';
import { COOKIE_SECRET_FILE } from '../auth/cookie-secret.js';
import { TestHub } from '../test-support/hub.js';

for (const format of ['json', 'pretty'] as const)
  test(`no password, token, session cookie or cookie secret appears in the log (${format})`, async () => {
    const hub = await TestHub.start({
      configure: (c) => {
        c.log.format = format;
      },
    });
    try {
      const password = 'Sup3r-secret-passw0rd';
      const newPassword = 'An0ther-secret-passw0rd';
      await hub.addUser('alice', { password });
      await hub.addUser('boss', { admin: true });
      const adminToken = await hub.tokenFor('boss', ['admin']);

      const browser = await hub.login('alice', password);
      await new (browser.constructor as typeof import('../test-support/hub.js').Browser)(hub.url).submitLogin(
        'alice',
        'Wr0ng-secret-passw0rd',
      );
      const session = browser.cookies.get('hpchub-session') ?? '';
      const csrf = await browser.csrfToken();
      const created = await fetch(`${hub.url}/hub/api/users/alice/tokens`, {
        method: 'POST',
        headers: { cookie: browser.cookieHeader(), 'content-type': 'application/json', 'x-xsrftoken': csrf },
        body: JSON.stringify({ note: 'ci' }),
      });
      const { token } = (await created.json()) as NewTokenModel;
      await hub.api('GET', '/user', { token });
      await hub.api('GET', `/user?token=${token}`, { token });
      await hub.api('PATCH', '/users/alice', { token: adminToken, body: { password: newPassword } });
      await hub.api('POST', '/users/carol', {
        token: adminToken,
        body: { password: 'Car0l-secret-passw0rd' },
      });
      await hub.api('POST', '/users/dave', {
        token: adminToken,
        body: '{"password": "Dav3-secret-passw0rd", oops',
      });
      await hub.api('GET', '/user', { token: 'hph_Made-up-but-secret-looking-token' });

      const cookieSecret = readFileSync(join(hub.hub.config.data_dir, COOKIE_SECRET_FILE), 'utf8').trim();
      const log = hub.logText();
      assert.ok(log.includes('logged in'), 'the log was captured');
      assert.equal(log.trimStart().startsWith('{'), format === 'json', `the log is ${format}`);
      assert.ok(log.includes('[redacted]'), 'credentials were redacted, not dropped');
      assert.ok(log.includes('token created'), 'token creation was logged');
      const secrets = {
        password,
        newPassword,
        wrongPassword: 'Wr0ng-secret-passw0rd',
        carol: 'Car0l-secret-passw0rd',
        dave: 'Dav3-secret-passw0rd',
        adminToken,
        token,
        madeUpToken: 'hph_Made-up-but-secret-looking-token',
        session,
        sessionId: decodeURIComponent(session).split('.')[0] ?? '',
        csrf,
        cookieSecret,
      };
      for (const [name, secret] of Object.entries(secrets)) {
        assert.ok(secret.length >= 10, `${name} is a real value`);
        assert.ok(!log.includes(secret), `${name} appears in the log`);
      }
    } finally {
      await hub.stop();
    }
  });
