// Signing in to a hub that uses PAM, as a real system user, through the login page: the hub's
// pipeline around the authenticator (first-login account creation, admin and allow lists, the
// no-home-directory message).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { UserModel } from '@hpchub/protocol';
import { Browser, TestHub } from '../../test-support/hub.js';
import { testSystemUser, testSystemUsers } from '../../test-support/system-users.js';

const users = testSystemUsers();
const alice = testSystemUser(users, 'hpchub-alice');
const bob = testSystemUser(users, 'hpchub-bob');
const nohome = testSystemUser(users, 'hpchub-nohome');

describe('a hub with PAM accounts', () => {
  let hub: TestHub;

  before(async () => {
    hub = await TestHub.start({
      configure: (c) => {
        c.auth.authenticator = 'pam';
        c.auth.admin_users = ['hpchub-bob'];
        c.auth.allow_all = false;
        c.auth.allowed_groups = ['hpchub-testers'];
        c.auth.allowed_users = ['hpchub-nohome'];
      },
    });
  });
  after(() => hub.stop());

  test('a system user signs in with their cluster password and gets an account at first login', async () => {
    const browser = await hub.login(alice.name, alice.password);
    const me = await fetch(`${hub.url}/hub/api/user`, { headers: { cookie: browser.cookieHeader() } });
    const model = (await me.json()) as UserModel;
    assert.equal(model.name, 'hpchub-alice');
    assert.equal(model.admin, false);
  });

  test('a user on the admin list becomes an admin at login', async () => {
    const browser = await hub.login(bob.name, bob.password);
    const me = await fetch(`${hub.url}/hub/api/user`, { headers: { cookie: browser.cookieHeader() } });
    assert.equal(((await me.json()) as UserModel).admin, true);
  });

  test('a wrong cluster password is refused like any wrong password', async () => {
    const res = await new Browser(hub.url).submitLogin(alice.name, `${alice.password}x`);
    assert.equal(res.status, 403);
    assert.match(res.text, /Invalid username or password/);
  });

  test('an account without a home directory is told to log in by SSH first', async () => {
    const res = await new Browser(hub.url).submitLogin(nohome.name, nohome.password);
    assert.equal(res.status, 403);
    assert.match(res.text, /no home directory on the cluster yet\. Log in once by SSH/);
    const row = await hub.hub.db
      .selectFrom('users')
      .select('id')
      .where('name', '=', nohome.name)
      .executeTakeFirst();
    assert.equal(row, undefined, 'no hub account is created for it');
  });
});

describe('a PAM hub whose allow list does not include the user', () => {
  test('a valid system user outside the allowed groups is refused with a clear message', async () => {
    const hub = await TestHub.start({
      configure: (c) => {
        c.auth.authenticator = 'pam';
        c.auth.allow_all = false;
        c.auth.allowed_groups = ['some-other-group'];
      },
    });
    try {
      const res = await new Browser(hub.url).submitLogin(alice.name, alice.password);
      assert.equal(res.status, 403);
      assert.match(res.text, /not allowed to use this hub/);
    } finally {
      await hub.stop();
    }
  });
});
