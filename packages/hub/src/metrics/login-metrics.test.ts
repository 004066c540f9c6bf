// Refused sign-ins and lock-outs reach the metrics through the login pipeline the login pages
// call: a wrong password counts as invalid_credentials, the failure that locks a name out counts
// a lock-out, the refused attempt after it counts as rate_limited, and a broken single sign-on
// as oidc's sso_failed. No user name or address appears in the metrics.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createLocalAuthenticator } from '../auth/local/authenticator.js';
import { createLoginPipeline } from '../auth/pipeline.js';
import { HubError } from '../errors/index.js';
import { testHubConfig } from '../test-support/config.js';
import { openTestDatabase } from '../test-support/db.js';
import { metricValue } from '../test-support/metric-values.js';
import { hashPassword } from '../users/password.js';
import { createUser } from '../users/store.js';
import { HubMetrics } from './hub-metrics.js';

const quiet = { warn: () => {}, info: () => {} };

test('failed logins and lock-outs move the login metrics, by authenticator and reason', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hpchub-login-metrics-'));
  const database = await openTestDatabase();
  try {
    const config = testHubConfig(dir);
    config.auth.rate_limit.max_failures_per_user = 2;
    await createUser(database.db, { name: 'alice', passwordHash: await hashPassword('right password') });
    const metrics = new HubMetrics();
    const pipeline = createLoginPipeline(
      database.db,
      createLocalAuthenticator(database.db),
      config.auth,
      quiet,
      { requireSystemAccount: false, observer: metrics.login },
    );
    const failures = (authenticator: string, reason: string) =>
      metricValue(metrics.registry, 'hpchub_login_failures_total', { authenticator, reason });
    const lockouts = (scope: string) =>
      metricValue(metrics.registry, 'hpchub_login_lockouts_total', { authenticator: 'local', scope });
    const refused = (password: string) =>
      assert.rejects(pipeline.login({ username: 'alice', password, address: '192.0.2.7' }), HubError);

    await pipeline.login({ username: 'alice', password: 'right password', address: '192.0.2.7' });
    assert.equal(await failures('local', 'invalid_credentials'), 0, 'a success counts nothing');

    await refused('wrong');
    assert.equal(await failures('local', 'invalid_credentials'), 1);
    assert.equal(await lockouts('user'), 0);
    await refused('wrong again');
    assert.equal(await failures('local', 'invalid_credentials'), 2);
    assert.equal(await lockouts('user'), 1, 'the second failure locked the name out');
    await refused('right password');
    assert.equal(await failures('local', 'rate_limited'), 1, 'refused while locked out');

    pipeline.externalFailed('192.0.2.8');
    assert.equal(await failures('oidc', 'sso_failed'), 1);

    const text = await metrics.registry.metrics();
    assert.doesNotMatch(text, /alice|192\.0\.2/, 'no name or address in the labels');
  } finally {
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
