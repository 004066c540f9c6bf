import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseArgs } from 'node:util';
import { Value } from '@sinclair/typebox/value';
import { OPTIONS, SECTIONS } from './describe.js';
import { configFlagOptions } from './env-flags.js';
import { CROSS_RULES } from './options.js';

describe('option declarations', () => {
  it('give every option a description and a default its own schema accepts', () => {
    for (const o of OPTIONS) {
      assert.ok(o.description.length > 10, `${o.key} needs a description`);
      assert.notEqual(o.default, undefined, `${o.key} needs a default`);
      assert.ok(Value.Check(o.schema, o.default), `the default of ${o.key} does not pass its own schema`);
    }
  });

  it('give every section a description', () => {
    for (const s of SECTIONS) assert.ok(s.description.length > 0, `section ${s.key} needs a description`);
  });

  it('map every key to its own environment variable and flag', () => {
    assert.equal(new Set(OPTIONS.map((o) => o.env)).size, OPTIONS.length);
    assert.equal(new Set(OPTIONS.map((o) => o.flag)).size, OPTIONS.length);
    const lockout = OPTIONS.find((o) => o.key === 'auth.rate_limit.lockout_seconds');
    assert.equal(lockout?.env, 'HPCHUB_AUTH_RATE_LIMIT_LOCKOUT_SECONDS');
    assert.equal(lockout?.flag, '--auth-rate-limit-lockout-seconds');
    assert.ok(!OPTIONS.some((o) => o.env === 'HPCHUB_CONFIG' || o.flag === '--config'));
  });

  it('name only declared keys in cross-option rules', () => {
    const keys = new Set(OPTIONS.map((o) => o.key));
    for (const rule of CROSS_RULES) for (const key of rule.keys) assert.ok(keys.has(key), key);
  });

  it('accept every option as a string flag in parseArgs', () => {
    const args = OPTIONS.flatMap((o) => [o.flag, 'x']);
    const { values } = parseArgs({ args: ['--config', 'hub.yaml', ...args], options: configFlagOptions() });
    assert.equal(values.config, 'hub.yaml');
    assert.equal(Object.keys(values).length, OPTIONS.length + 1);
  });
});
