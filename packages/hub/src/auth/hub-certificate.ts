// The hub's own certificate for its agent API. Agents speak TLS to the hub's port with it, and
// every job is given its SHA-256 fingerprint to pin (AGENT_ENV.hubFingerprint), so the server's
// secret in each agent message is never sent in clear nor to anything but this hub, without a
// CA. Generated on first start, self-signed, and kept in the data directory with mode 0600 (key
// and certificate in one PEM file), so that agents started before a restart still recognise it.
import { X509Certificate } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { generateCertificate } from '@hpchub/protocol';
import { readOrCreatePrivateFile } from './private-file.js';

export const HUB_CERTIFICATE_FILE = 'agent_api_tls.pem';

export interface HubCertificate {
  certPem: string;
  keyPem: string;
  /** Lower-case hex SHA-256 of the certificate's DER. */
  fingerprint: string;
}

/** Lower-case hex SHA-256 of a PEM certificate, as agents pin it. */
export function fingerprintOfPem(pem: string | Buffer): string {
  return new X509Certificate(pem).fingerprint256.replace(/:/g, '').toLowerCase();
}

// Long: a renewal would cut off the agents that pinned the old one.
const VALID_DAYS = 3650;

function parse(pem: string, path: string): HubCertificate {
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----/.exec(pem)?.[0];
  if (!cert || !key)
    throw new Error(`${path} does not hold a certificate and its key; delete it to make new ones`);
  const x509 = new X509Certificate(cert);
  if (Date.parse(x509.validTo) < Date.now())
    throw new Error(`the agent API certificate in ${path} has expired; delete the file to make a new one`);
  return {
    certPem: `${cert}\n`,
    keyPem: `${key}\n`,
    fingerprint: fingerprintOfPem(cert),
  };
}

export function loadOrCreateHubCertificate(
  dataDir: string,
  log: { warn(obj: object, msg: string): void },
): HubCertificate {
  const path = join(dataDir, HUB_CERTIFICATE_FILE);
  const make = () => {
    const made = generateCertificate({
      commonName: 'hpchub',
      altNames: [hostname(), 'localhost'],
      validDays: VALID_DAYS,
    });
    return `${made.keyPem.trim()}\n${made.certPem.trim()}\n`;
  };
  return parse(readOrCreatePrivateFile(path, 'the agent API key', make, log), path);
}
