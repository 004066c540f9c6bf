// The self-signed certificate: valid X.509 that Node and OpenSSL read, signed by its own key,
// with the fingerprint `ready` reports, and usable by a TLS server that a pinning client accepts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import tls from 'node:tls';
import { integer, objectIdentifier, time, tlv } from './asn1.js';
import { fingerprintOf, generateCertificate } from './certificate.js';

test('DER primitives encode as X.690 says', () => {
  assert.equal(integer(Buffer.from([0x00, 0x00, 0x7f])).toString('hex'), '02017f');
  assert.equal(integer(Buffer.from([0x80])).toString('hex'), '02020080');
  assert.equal(integer(Buffer.from([])).toString('hex'), '020100');
  assert.equal(objectIdentifier('1.2.840.10045.4.3.2').toString('hex'), '06082a8648ce3d040302');
  assert.equal(tlv(0x04, Buffer.alloc(200)).subarray(0, 3).toString('hex'), '0481c8');
  assert.equal(tlv(0x04, Buffer.alloc(300)).subarray(0, 4).toString('hex'), '0482012c');
  assert.equal(time(new Date('2049-12-31T23:59:59Z')).toString('latin1').slice(2), '491231235959Z');
  assert.equal(time(new Date('2050-01-01T00:00:00Z')).toString('latin1').slice(2), '20500101000000Z');
});

test('a generated certificate parses, verifies with its key and has the reported fingerprint', () => {
  const cert = generateCertificate({ altNames: ['node042.cluster', '10.1.2.3', 'fd00::1', 'bad name!'] });
  const x509 = new X509Certificate(cert.certPem);
  assert.equal(cert.fingerprint, fingerprintOf(x509.raw));
  assert.equal(x509.fingerprint256.replace(/:/g, '').toLowerCase(), cert.fingerprint);
  assert.match(cert.fingerprint, /^[0-9a-f]{64}$/);
  assert.ok(x509.verify(x509.publicKey));
  assert.equal(x509.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  assert.equal(x509.subject, 'CN=hpchub-agent');
  assert.equal(
    x509.subjectAltName,
    'DNS:node042.cluster, IP Address:10.1.2.3, IP Address:FD00:0:0:0:0:0:0:1',
  );
  assert.ok(Date.parse(x509.validFrom) <= Date.now() && Date.now() < Date.parse(x509.validTo));
  assert.equal(x509.ca, false);
  assert.notEqual(generateCertificate().fingerprint, cert.fingerprint, 'a new key each time');
});

test('OpenSSL reads it too', () => {
  if (!existsSync('/usr/bin/openssl'))
    throw new Error('this check reads the certificate with openssl: apt-get install openssl');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hpchub-cert-'));
  try {
    const cert = generateCertificate();
    writeFileSync(path.join(dir, 'c.pem'), cert.certPem);
    const out = execFileSync('/usr/bin/openssl', [
      'x509',
      '-in',
      path.join(dir, 'c.pem'),
      '-noout',
      '-text',
      '-fingerprint',
      '-sha256',
    ]).toString();
    assert.match(out, /Signature Algorithm: ecdsa-with-SHA256/);
    assert.match(out, /CA:FALSE/);
    assert.match(out, /TLS Web Server Authentication/);
    assert.ok(out.replace(/:/g, '').toLowerCase().includes(cert.fingerprint));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a TLS server with it completes a handshake; the client sees the pinned fingerprint', async () => {
  const cert = generateCertificate();
  const server = tls.createServer({ cert: cert.certPem, key: cert.keyPem }, (s) => s.end('hi'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const seen = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect(
        { host: '127.0.0.1', port, rejectUnauthorized: false, minVersion: 'TLSv1.3' },
        () => {
          resolve((socket.getPeerCertificate().fingerprint256 ?? '').replace(/:/g, '').toLowerCase());
          socket.destroy();
        },
      );
      socket.once('error', reject);
    });
    assert.equal(seen, cert.fingerprint);
  } finally {
    server.close();
  }
});
