// The doctor's certificate check on real PEM files: a good one, an expired one, one about to
// expire, one with another certificate's key, one for another host, and unreadable files.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { generateCertificate } from '@hpchub/protocol';
import { type HubConfig, loadConfig } from '../config/index.js';
import { checkTls } from './tls.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hpchub-doctor-tls-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** A configuration serving the given certificate and key (written to files). */
async function withCertificate(name: string, cert: string, key: string): Promise<HubConfig> {
  await writeFile(join(dir, `${name}.crt`), cert);
  await writeFile(join(dir, `${name}.key`), key, { mode: 0o600 });
  const { config } = loadConfig({
    env: {},
    flags: { 'tls-cert': join(dir, `${name}.crt`), 'tls-key': join(dir, `${name}.key`) },
  });
  return config;
}

const URL_OF_HUB = 'https://hub.example.org:8000';

test('no certificate: fine, the hub speaks HTTP behind a proxy', () => {
  const [finding] = checkTls(loadConfig({ env: {}, flags: {} }).config, 'http://127.0.0.1:8000');
  assert.equal(finding?.status, 'ok');
});

test('a valid certificate for the hub’s host passes', async () => {
  const c = generateCertificate({ altNames: ['hub.example.org'], validDays: 90 });
  const findings = checkTls(await withCertificate('good', c.certPem, c.keyPem), URL_OF_HUB);
  assert.deepEqual(
    findings.map((f) => f.status),
    ['ok'],
  );
});

test('an expired certificate fails, naming the date and the fix', async () => {
  const c = generateCertificate({ altNames: ['hub.example.org'], validDays: -0.01 });
  const findings = checkTls(await withCertificate('expired', c.certPem, c.keyPem), URL_OF_HUB);
  const expired = findings.find((f) => f.status === 'fail');
  assert.match(expired?.message ?? '', /expired on \d{4}-/);
  assert.match(expired?.fix ?? '', /renew/);
});

test('a certificate expiring within two weeks is a warning', async () => {
  const c = generateCertificate({ altNames: ['hub.example.org'], validDays: 5 });
  const findings = checkTls(await withCertificate('soon', c.certPem, c.keyPem), URL_OF_HUB);
  assert.deepEqual(
    findings.map((f) => f.status),
    ['warn'],
  );
  assert.match(findings[0]?.message ?? '', /expires on/);
});

test('the key of another certificate, and a certificate for another host, are named', async () => {
  const a = generateCertificate({ altNames: ['other.example.org'] });
  const b = generateCertificate({ altNames: ['other.example.org'] });
  const findings = checkTls(await withCertificate('mixed', a.certPem, b.keyPem), URL_OF_HUB);
  assert.ok(findings.some((f) => f.status === 'fail' && /is not the key of/.test(f.message)));
  assert.ok(findings.some((f) => f.status === 'warn' && /does not name hub\.example\.org/.test(f.message)));
});

test('a file that cannot be read fails', async () => {
  const missing = loadConfig({
    env: {},
    flags: { 'tls-cert': join(dir, 'nope.crt'), 'tls-key': join(dir, 'nope.key') },
  }).config;
  const [finding] = checkTls(missing, URL_OF_HUB);
  assert.equal(finding?.status, 'fail');
  assert.match(finding?.message ?? '', /cannot read/);
});
