// Secrets for the identity provider and the directory come from a private file or the
// environment: never from the configuration, never into an error message or `hpchub config`.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { envOverrides, SECRET_ENV } from '../config/index.js';
import { readSecret } from './secrets.js';

describe('secrets', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hpchub-secrets-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const source = (file: string) => ({
    file,
    option: 'auth.oidc.client_secret_file',
    envName: SECRET_ENV.oidcClientSecret,
  });

  test('a file wins over the environment, with one trailing newline removed', async () => {
    await writeFile(join(dir, 'secret'), 's3cret-from-file\n', { mode: 0o600 });
    assert.equal(
      readSecret(source(join(dir, 'secret')), { HPCHUB_OIDC_CLIENT_SECRET: 'from-env' }),
      's3cret-from-file',
    );
  });

  test('without a file, the environment variable; without either, none', () => {
    assert.equal(readSecret(source(''), { HPCHUB_OIDC_CLIENT_SECRET: 'from-env' }), 'from-env');
    assert.equal(readSecret(source(''), {}), undefined);
    assert.equal(readSecret(source(''), { HPCHUB_OIDC_CLIENT_SECRET: '' }), undefined);
  });

  test('an unreadable or empty file is an error naming the option and the file, not the content', async () => {
    assert.throws(
      () => readSecret(source(join(dir, 'missing')), {}),
      /auth\.oidc\.client_secret_file: cannot read .*missing \(ENOENT\)/,
    );
    await writeFile(join(dir, 'empty'), '\n');
    assert.throws(
      () => readSecret(source(join(dir, 'empty')), {}),
      /auth\.oidc\.client_secret_file: .*empty is empty/,
    );
  });

  test('the secret variables are neither settings nor warned about, so `hpchub config` never shows them', () => {
    const layer = envOverrides({ HPCHUB_OIDC_CLIENT_SECRET: 'x', HPCHUB_LDAP_BIND_PASSWORD: 'y' });
    assert.deepEqual(layer.warnings, []);
    assert.equal(JSON.stringify(layer).includes('"x"'), false);
    assert.equal(JSON.stringify(layer).includes('"y"'), false);
  });
});
