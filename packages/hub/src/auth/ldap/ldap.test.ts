// The `ldap` authenticator against a real OpenLDAP (Debian's slapd, set up by
// scripts/provision/ldap.sh with a test CA, LDAPS and StartTLS): search-then-bind and direct bind,
// groups, certificate verification, injection attempts in the name, a directory that is down; and
// the same through the login form of a whole hub, with admin and allowed groups from the directory.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../../config/index.js';
import { HubError } from '../../errors/index.js';
import { authenticatorConformance } from '../../test-support/authenticator-conformance.js';
import { createFakeSpawner } from '../../test-support/fake-spawner.js';
import { Browser, TestHub } from '../../test-support/hub.js';
import { type TestDirectory, testDirectory } from '../../test-support/ldap-directory.js';
import { createAccountMap } from '../account-map.js';
import type { Authenticator } from '../authenticator.js';
import { readSecret } from '../secrets.js';
import { createLdapAuthenticator, type LdapSettings } from './authenticator.js';

const quiet = { warn() {} };
const defaults = loadConfig({ env: {}, flags: {} }).config.auth;

let dir: TestDirectory;
before(() => {
  dir = testDirectory();
});

/** Search-then-bind over LDAPS with the test CA, as a site would set it up. */
function searchThenBind(): LdapSettings {
  return {
    ...defaults.ldap,
    url: dir.ldapsUrl,
    ca_file: dir.caFile,
    bind_dn: dir.serviceDn,
    bind_password_file: dir.servicePasswordFile,
    user_base: dir.peopleBase,
    group_base: dir.groupBase,
    timeout_seconds: 3,
  };
}

function authenticator(settings: LdapSettings, password?: string): Authenticator {
  const secret =
    password ?? readSecret({ file: settings.bind_password_file, option: 'x', envName: 'UNSET_FOR_TEST' });
  return createLdapAuthenticator(settings, secret, createAccountMap(defaults), quiet);
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

async function assertUnavailable(run: Promise<unknown>, detail?: RegExp): Promise<void> {
  await assert.rejects(run, (err: unknown) => {
    assert.ok(err instanceof HubError);
    assert.equal(err.code, 'unavailable');
    assert.match(err.message, /directory that checks passwords cannot be reached/);
    if (detail) assert.match(err.detail ?? '', detail);
    return true;
  });
}

authenticatorConformance('ldap', async () => {
  const directory = testDirectory();
  dir = directory;
  return {
    authenticator: authenticator(searchThenBind()),
    valid: { name: 'bob', password: directory.passwords.bob },
  };
});

describe('ldap authenticator against slapd', () => {
  test('search-then-bind over LDAPS: the right password signs in, with the directory’s groups', async () => {
    const ldap = authenticator(searchThenBind());
    assert.deepEqual(await ldap.authenticate('ada', dir.passwords.ada), {
      ok: true,
      identity: { name: 'ada', claimed: 'ada', groups: ['hpc-admins', 'hpc-users'] },
    });
    assert.deepEqual(await ldap.authenticate('carol', dir.passwords.carol), {
      ok: true,
      identity: { name: 'carol', claimed: 'carol', groups: [] },
    });
  });

  test('a wrong password, an unknown name and an empty password are invalid credentials', async () => {
    const ldap = authenticator(searchThenBind());
    const invalid = { ok: false, failure: { kind: 'invalid_credentials' } };
    assert.deepEqual(await ldap.authenticate('ada', dir.passwords.bob), invalid);
    assert.deepEqual(await ldap.authenticate('nobody', dir.passwords.ada), invalid);
    assert.deepEqual(await ldap.authenticate('ada', ''), invalid);
  });

  test('filter injection in the name matches nobody, whatever the password', async () => {
    const ldap = authenticator(searchThenBind());
    // Unescaped, `ad*` would find ada alone and her password would then sign in as her.
    for (const name of ['ad*', '*', 'ada)(uid=*', '*)(|(uid=*', 'ada\\', 'ada\0', '(uid=ada)']) {
      const result = await ldap.authenticate(name, dir.passwords.ada);
      assert.deepEqual(result, { ok: false, failure: { kind: 'invalid_credentials' } }, JSON.stringify(name));
    }
  });

  test('direct bind with a DN template, and DN injection in the name', async () => {
    const ldap = authenticator({
      ...searchThenBind(),
      bind_dn: '',
      bind_password_file: '',
      user_dn_template: `uid={username},${dir.peopleBase}`,
    });
    const ok = await ldap.authenticate('bob', dir.passwords.bob);
    assert.deepEqual(ok, { ok: true, identity: { name: 'bob', claimed: 'bob', groups: ['hpc-users'] } });
    // Unescaped, this would be the service account's own DN.
    const climbing = await ldap.authenticate(`hub-reader,ou=services,${dir.base}#`, 'x');
    assert.deepEqual(climbing, { ok: false, failure: { kind: 'invalid_credentials' } });
    assert.deepEqual(await ldap.authenticate('bob,ou=people', dir.passwords.bob), {
      ok: false,
      failure: { kind: 'invalid_credentials' },
    });
  });

  test('StartTLS on ldap:// with the test CA works; a certificate nobody vouches for is refused', async () => {
    const startTls = { ...searchThenBind(), url: dir.ldapUrl, start_tls: true };
    assert.equal((await authenticator(startTls).authenticate('ada', dir.passwords.ada)).ok, true);
    // Without the test CA the directory's certificate is not trusted: no password is sent.
    await assertUnavailable(
      authenticator({ ...startTls, ca_file: '' }).authenticate('ada', dir.passwords.ada),
    );
    await assertUnavailable(
      authenticator({ ...searchThenBind(), ca_file: '' }).authenticate('ada', dir.passwords.ada),
    );
  });

  test('a directory that is down, or a refused service account, is the hub’s problem, said so', async () => {
    const down = { ...searchThenBind(), url: `ldaps://127.0.0.1:${await closedPort()}` };
    await assertUnavailable(authenticator(down).authenticate('ada', dir.passwords.ada));
    await assertUnavailable(
      authenticator(searchThenBind(), 'not-the-service-password').authenticate('ada', dir.passwords.ada),
      /refused the service account/,
    );
  });
});

describe('LDAP sign-in through the login form', () => {
  let hub: TestHub;

  before(async () => {
    hub = await TestHub.start({
      configure: (c) => {
        c.auth.authenticator = 'ldap';
        c.auth.ldap = searchThenBind();
        c.auth.allow_all = false;
        c.auth.allowed_groups = ['hpc-users'];
        c.auth.admin_groups = ['hpc-admins'];
        c.auth.sync_groups = true;
      },
    });
  });
  after(() => hub?.stop());

  test('a member of the admin group signs in as an admin, a member of the users group as a user', async () => {
    const ada = await hub.login('ada', dir.passwords.ada);
    const me = await fetch(`${hub.url}/hub/api/user`, { headers: { cookie: ada.cookieHeader() } });
    const body = (await me.json()) as { name: string; admin: boolean; groups: string[] };
    assert.deepEqual([body.name, body.admin, body.groups], ['ada', true, ['hpc-admins', 'hpc-users']]);
    const bob = await hub.login('Bob', dir.passwords.bob);
    const bobMe = (await (
      await fetch(`${hub.url}/hub/api/user`, { headers: { cookie: bob.cookieHeader() } })
    ).json()) as {
      admin: boolean;
    };
    assert.equal(bobMe.admin, false);
  });

  test('someone in no allowed group, a wrong password and an injected name are refused', async () => {
    const carol = await new Browser(hub.url).submitLogin('carol', dir.passwords.carol);
    assert.equal(carol.status, 403);
    assert.match(carol.text, /not allowed to use this hub/);
    const wrong = await new Browser(hub.url).submitLogin('ada', dir.passwords.bob);
    assert.equal(wrong.status, 403);
    assert.match(wrong.text, /Invalid username or password/);
    const injected = await new Browser(hub.url).submitLogin('ad*', dir.passwords.ada);
    assert.equal(injected.status, 403);
    assert.match(injected.text, /Invalid username or password/);
    const users = await hub.hub.db
      .selectFrom('users')
      .select('name')
      .where('name', 'in', ['carol', 'ad*'])
      .execute();
    assert.deepEqual(users, []);
  });

  test('the service account’s password never reaches the log', () => {
    assert.equal(
      hub.logText().includes(readSecret({ file: dir.servicePasswordFile, option: 'x', envName: 'x' }) ?? '?'),
      false,
    );
  });

  test('with the directory down, the login page says so', async () => {
    const down = await TestHub.start({
      configure: (c) => {
        c.auth.authenticator = 'ldap';
        c.auth.ldap = { ...searchThenBind(), url: 'ldaps://127.0.0.1:1' };
      },
    });
    try {
      const res = await new Browser(down.url).submitLogin('ada', dir.passwords.ada);
      assert.equal(res.status, 503);
      assert.match(res.text, /The directory that checks passwords cannot be reached/);
    } finally {
      await down.stop();
    }
  });

  test('with the Slurm spawner, a directory user without a cluster account gets the no-account page', async () => {
    const slurm = await TestHub.start({
      spawner: createFakeSpawner('instant'),
      configure: (c) => {
        c.auth.authenticator = 'ldap';
        c.auth.ldap = searchThenBind();
        c.spawner.kind = 'slurm';
      },
    });
    try {
      const res = await new Browser(slurm.url).submitLogin('ada', dir.passwords.ada);
      assert.equal(res.status, 403);
      assert.match(res.text, /There is no cluster account for ada: the cluster has no account named ada\./);
      assert.match(res.text, /Apply for one with the cluster administrators/);
    } finally {
      await slurm.stop();
    }
  });
});
