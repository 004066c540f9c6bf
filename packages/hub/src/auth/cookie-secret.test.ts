import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { COOKIE_SECRET_FILE, loadOrCreateCookieSecret } from './cookie-secret.js';

const quiet = { warn() {} };

test('the cookie secret is generated once, with mode 0600, and reused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hpchub-secret-'));
  try {
    const first = loadOrCreateCookieSecret(join(dir, 'data'), quiet);
    assert.match(first, /^[0-9a-f]{64}$/);
    const path = join(dir, 'data', COOKIE_SECRET_FILE);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(statSync(join(dir, 'data')).mode & 0o777, 0o700);
    assert.equal(loadOrCreateCookieSecret(join(dir, 'data'), quiet), first);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a secret readable by others is restricted to 0600 with a warning; a short one is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hpchub-secret-'));
  try {
    const path = join(dir, COOKIE_SECRET_FILE);
    writeFileSync(path, `${'a'.repeat(64)}\n`);
    chmodSync(path, 0o644);
    const warnings: string[] = [];
    assert.equal(loadOrCreateCookieSecret(dir, { warn: (_o, m) => warnings.push(m) }), 'a'.repeat(64));
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.equal(warnings.length, 1);
    writeFileSync(path, 'short\n');
    assert.throws(() => loadOrCreateCookieSecret(dir, quiet), /too short/);
    assert.equal(readFileSync(path, 'utf8'), 'short\n', 'a bad secret is left for the admin to look at');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
