// Doctor: the certificate the hub serves HTTPS with (tls.cert, tls.key) — readable, a
// certificate, valid now and for a while yet, matching its key, and naming the host jobs and
// browsers use.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { HubConfig } from '../config/index.js';
import { type Finding, fail, ok, warn } from './finding.js';

const CHECK = 'tls certificate';
const DAY_MS = 24 * 3600 * 1000;
/** Warn this long before expiry: time for a renewal to go through. */
export const EXPIRY_WARNING_DAYS = 14;

export function checkTls(config: HubConfig, hubUrl: string, now = new Date()): Finding[] {
  const { cert, key } = config.tls;
  // The configuration's own rules already refuse one without the other.
  if (!cert || !key) {
    return [
      ok(
        CHECK,
        'none: the hub speaks plain HTTP (put a TLS reverse proxy in front of it; see docs/deploy.md).',
      ),
    ];
  }
  let certificate: X509Certificate;
  let pem: { cert: string; key: string };
  try {
    pem = { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
    certificate = new X509Certificate(pem.cert);
  } catch (err) {
    return [
      fail(
        CHECK,
        `cannot read the certificate or key: ${(err as Error).message}`,
        'check tls.cert and tls.key: PEM files readable by the hub’s account.',
      ),
    ];
  }
  const findings: Finding[] = [];
  const from = new Date(certificate.validFrom);
  const to = new Date(certificate.validTo);
  const renew = 'renew the certificate (or let your ACME client do it) and restart the hub.';
  if (to <= now) findings.push(fail(CHECK, `${cert} expired on ${to.toISOString()}.`, renew));
  else if (from > now)
    findings.push(
      fail(
        CHECK,
        `${cert} is not valid before ${from.toISOString()}.`,
        'check this machine’s clock, or use a certificate valid now.',
      ),
    );
  else if (to.getTime() - now.getTime() < EXPIRY_WARNING_DAYS * DAY_MS)
    findings.push(
      warn(CHECK, `${cert} expires on ${to.toISOString()}, in less than ${EXPIRY_WARNING_DAYS} days.`, renew),
    );
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(pem.key)))
      findings.push(
        fail(CHECK, `${key} is not the key of ${cert}.`, 'give the key that belongs to this certificate.'),
      );
  } catch (err) {
    findings.push(
      fail(CHECK, `cannot read the key ${key}: ${(err as Error).message}`, 'give a PEM private key.'),
    );
  }
  const host = new URL(hubUrl).hostname.replace(/^\[(.*)\]$/, '$1');
  const named = isIP(host) ? certificate.checkIP(host) : certificate.checkHost(host);
  if (!named)
    findings.push(
      warn(
        CHECK,
        `${cert} does not name ${host}, the host in the hub URL ${hubUrl}.`,
        'use a certificate for that name, or set spawner.hub_url to a name the certificate has.',
      ),
    );
  if (findings.length === 0)
    findings.push(ok(CHECK, `${cert} is valid until ${to.toISOString()} and names ${host}.`));
  return findings;
}
