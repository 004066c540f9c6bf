// The PAM authenticator against the real PAM stack and real system users. The test users come
// from scripts/provision/users.sh, which this file runs first (it is idempotent and quick, and
// resets passwords or home directories that another test changed). Needs root.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { authenticatorConformance } from '../../test-support/authenticator-conformance.js';
import { testSystemUsers } from '../../test-support/system-users.js';
import { isSafeAccountName, lookupPasswd, lookupSystemAccount } from '../system-account.js';
import {
  createPamAuthenticator,
  EXPIRED_MESSAGE,
  NO_ACCOUNT_MESSAGE,
  NO_HOME_MESSAGE,
} from './authenticator.js';
import { loadPamBinding, pamAuthenticate } from './binding.js';

const SERVICE = 'login';
const users = testSystemUsers();
const alice = { name: 'hpchub-alice', password: users['hpchub-alice']?.password ?? '' };

authenticatorConformance('pam', async () => ({
  authenticator: await createPamAuthenticator({ service: SERVICE, requireHome: true }),
  valid: alice,
}));

describe('pam authenticator', () => {
  const open: Array<{ close?: () => Promise<void> }> = [];
  after(async () => {
    for (const a of open) await a.close?.();
  });
  async function pam(requireHome = true) {
    const authenticator = await createPamAuthenticator({ service: SERVICE, requireHome });
    open.push(authenticator);
    return authenticator;
  }

  it('refuses an expired account after a right password, saying it expired', async () => {
    const bob = { name: 'hpchub-bob', password: users['hpchub-bob']?.password ?? '' };
    execFileSync('chage', ['-E', '2020-01-01', bob.name]);
    try {
      const result = await (await pam()).authenticate(bob.name, bob.password);
      assert.deepEqual(result, {
        ok: false,
        failure: { kind: 'account_unusable', message: EXPIRED_MESSAGE },
      });
      const wrong = await (await pam()).authenticate(bob.name, `${bob.password}x`);
      assert.deepEqual(wrong, { ok: false, failure: { kind: 'invalid_credentials' } });
    } finally {
      execFileSync('chage', ['-E', '-1', bob.name]);
    }
  });

  it('signs alice in with her Unix groups', async () => {
    const result = await (await pam()).authenticate(alice.name, alice.password);
    assert.ok(result.ok);
    assert.deepEqual(result.identity, { name: 'hpchub-alice', groups: ['hpchub-alice', 'hpchub-testers'] });
  });

  it('lets alice, who has a home directory, start servers', async () => {
    assert.equal(await (await pam()).checkAccount?.('hpchub-alice'), null);
  });

  it('tells a user without a home directory to log in by SSH first', async () => {
    const authenticator = await pam();
    const result = await authenticator.authenticate('hpchub-nohome', users['hpchub-nohome']?.password ?? '');
    assert.ok(result.ok, 'the password is right; only the account check refuses');
    assert.equal(await authenticator.checkAccount?.('hpchub-nohome'), NO_HOME_MESSAGE);
  });

  it('skips the home check when require_home is off', async () => {
    assert.equal(await (await pam(false)).checkAccount?.('hpchub-nohome'), null);
  });

  it('says so when an authenticated name has no system account', async () => {
    assert.equal(await (await pam()).checkAccount?.('conformance-nobody-x'), NO_ACCOUNT_MESSAGE);
  });

  it('refuses to start with a PAM service that has no configuration', async () => {
    await assert.rejects(
      createPamAuthenticator({ service: 'hpchub-no-such-service', requireHome: true }),
      /auth\.pam\.service "hpchub-no-such-service" has no file in \/etc\/pam\.d/,
    );
  });

  it('refuses a service name that is a path', async () => {
    await assert.rejects(
      createPamAuthenticator({ service: '../../etc/pam.d/login', requireHome: true }),
      /not a PAM service name/,
    );
  });

  // Why the check above exists: libpam itself falls back to the `other` service, which on
  // Debian includes common-auth and so accepts the password.
  it('shows that libpam alone would accept a password for a misspelt service', async (t) => {
    if (!readFileSync('/etc/pam.d/other', 'utf8').includes('@include common-auth')) {
      return t.skip('/etc/pam.d/other here does not fall back to common-auth');
    }
    const error = await pamAuthenticate(
      loadPamBinding(),
      'hpchub-no-such-service',
      alice.name,
      alice.password,
    );
    assert.equal(error, null);
  });

  it('says how to install the native module when it is missing', () => {
    assert.throws(
      () => loadPamBinding('authenticate-pam-not-installed'),
      (error: Error) =>
        error.message.includes('apt-get install libpam0g-dev') && error.message.includes('npm install'),
    );
  });
});

describe('system account lookup', () => {
  it('finds alice with her uid, home and groups', async () => {
    const account = await lookupSystemAccount('hpchub-alice');
    assert.ok(account);
    assert.equal(account.uid, users['hpchub-alice']?.uid);
    assert.equal(account.home, users['hpchub-alice']?.home);
    assert.equal(account.shell, '/bin/bash');
    assert.ok(account.groups.includes('hpchub-testers'));
  });

  it('returns null for an unknown user', async () => {
    assert.equal(await lookupSystemAccount('conformance-nobody-x'), null);
    assert.equal(await lookupPasswd('conformance-nobody-x'), null);
  });

  it('reads the passwd entry alone, without the groups', async () => {
    const { groups: _groups, ...entry } = (await lookupSystemAccount('hpchub-alice')) ?? { groups: [] };
    assert.deepEqual(await lookupPasswd('hpchub-alice'), entry);
  });

  describe('with getent and id replaced by recorders', () => {
    let bin = '';
    let log = '';
    const path = process.env.PATH;
    before(() => {
      bin = mkdtempSync(join(tmpdir(), 'hpchub-lookup-'));
      log = join(bin, 'calls.log');
      writeFileSync(log, '');
      for (const command of ['getent', 'id']) {
        writeFileSync(join(bin, command), `#!/bin/sh\necho "${command} $*" >> '${log}'\nexit 2\n`);
        chmodSync(join(bin, command), 0o755);
      }
      process.env.PATH = `${bin}:${path}`;
    });
    after(() => {
      process.env.PATH = path;
      rmSync(bin, { recursive: true, force: true });
    });

    it('refuses option-like, path-like and numeric names without running anything', async () => {
      for (const name of ['-rf', '--help', '../x', 'a/b', '0', '1001', 'a b', '', 'x'.repeat(65), 'a\nb']) {
        assert.equal(isSafeAccountName(name), false, name);
        assert.equal(await lookupSystemAccount(name), null, name);
      }
      assert.equal(readFileSync(log, 'utf8'), '');
    });

    it('does run them for a proper name (so the check above means something)', async () => {
      assert.equal(await lookupSystemAccount('hpchub-alice'), null);
      assert.equal(readFileSync(log, 'utf8'), 'getent passwd -- hpchub-alice\n');
    });

    it('the passwd entry alone: getent passwd, nothing else', async () => {
      writeFileSync(log, '');
      assert.equal(await lookupPasswd('-rf'), null);
      assert.equal(await lookupPasswd('hpchub-alice'), null);
      assert.equal(readFileSync(log, 'utf8'), 'getent passwd -- hpchub-alice\n');
    });
  });
});
