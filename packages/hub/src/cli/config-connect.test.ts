// `hpchub config check --connect` reaches what the settings point at, as the hub would: the real
// OpenID provider's discovery and the real OpenLDAP directory (TLS, the service account's bind),
// saying what works and what fails, and never printing a secret.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runHpchub } from '../test-support/cli.js';
import { type TestDirectory, testDirectory } from '../test-support/ldap-directory.js';
import { TEST_CLIENT, TestOpenIdProvider } from '../test-support/oidc-provider.js';

const hpchub = runHpchub;

describe('hpchub config check --connect', () => {
  let dir: TestDirectory;
  let op: TestOpenIdProvider;
  let tmp: string;

  before(async () => {
    dir = testDirectory();
    op = await TestOpenIdProvider.reserve();
    await op.start('http://127.0.0.1:1');
    tmp = await mkdtemp(join(tmpdir(), 'hpchub-connect-'));
    await writeFile(join(tmp, 'oidc-secret'), TEST_CLIENT.secret, { mode: 0o600 });
    await writeFile(join(tmp, 'wrong-password'), 'not-the-password', { mode: 0o600 });
  });
  after(async () => {
    await op?.stop();
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const ldapFlags = (passwordFile: string) => [
    '--auth-authenticator',
    'ldap',
    '--auth-ldap-url',
    dir.ldapsUrl,
    '--auth-ldap-ca-file',
    dir.caFile,
    '--auth-ldap-bind-dn',
    dir.serviceDn,
    '--auth-ldap-bind-password-file',
    passwordFile,
    '--auth-ldap-user-base',
    dir.peopleBase,
    '--data-dir',
    tmp,
  ];

  test('both reachable: each says what it found, exit code 0', async () => {
    const res = await hpchub([
      'config',
      'check',
      '--connect',
      ...ldapFlags(dir.servicePasswordFile),
      '--auth-oidc-issuer',
      op.issuer,
      '--auth-oidc-client-id',
      TEST_CLIENT.id,
      '--auth-oidc-client-secret-file',
      join(tmp, 'oidc-secret'),
    ]);
    assert.equal(res.code, 0, res.stdout);
    assert.match(
      res.stdout,
      new RegExp(`ok {6}single sign-on \\(${op.issuer}\\): issuer ${op.issuer}: .*RP-initiated logout`),
    );
    assert.match(
      res.stdout,
      /ok {6}LDAP directory \(ldaps:\/\/127\.0\.0\.1:3636\): connected .* bound as cn=hub-reader/,
    );
    const password = (await readFile(dir.servicePasswordFile, 'utf8')).trim();
    assert.equal(res.stdout.includes(password), false);
    assert.equal(res.stdout.includes(TEST_CLIENT.secret), false);
  });

  test('a refused service account and an unreachable provider fail with their reasons, exit code 1', async () => {
    const res = await hpchub([
      'config',
      'check',
      '--connect',
      ...ldapFlags(join(tmp, 'wrong-password')),
      '--auth-oidc-issuer',
      'http://127.0.0.1:1',
      '--auth-oidc-client-id',
      TEST_CLIENT.id,
      '--auth-oidc-timeout-seconds',
      '2',
    ]);
    assert.equal(res.code, 1);
    assert.match(res.stdout, /FAILED {2}single sign-on \(http:\/\/127\.0\.0\.1:1\): \S/);
    assert.match(
      res.stdout,
      /FAILED {2}LDAP directory \(ldaps:\/\/127\.0\.0\.1:3636\): the directory refused the service account/,
    );
    assert.equal(res.stdout.includes('not-the-password'), false);
  });
});
