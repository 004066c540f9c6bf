// A self-signed TLS certificate: a fresh EC P-256 key and an X.509 v3
// certificate built with the DER encoder in asn1.ts and signed with node:crypto. The agent makes
// one per job, and the hub's proxy pins its SHA-256 fingerprint from `ready`; the hub makes one
// for its agent API (agent-api/tls.ts), whose fingerprint each job is given to pin in turn.
import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import {
  bitString,
  boolean,
  explicit,
  implicitPrimitive,
  integer,
  objectIdentifier,
  octetString,
  sequence,
  set,
  smallInteger,
  time,
  utf8String,
} from './asn1.js';

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
};

export interface CertificateOptions {
  /** Subject and issuer common name; default `hpchub-agent`. */
  commonName?: string;
  /** DNS names and IP addresses for subjectAltName (invalid names are skipped). */
  altNames?: readonly string[];
  /** Validity from an hour ago (clock skew) for this many days; default 400. */
  validDays?: number;
}

export interface GeneratedCertificate {
  certPem: string;
  keyPem: string;
  certDer: Buffer;
  /** Lower-case hex SHA-256 of certDer, as `ready` sends it. */
  fingerprint: string;
}

/** Lower-case hex SHA-256 of a DER certificate: what the hub pins and `ready` carries. */
export function fingerprintOf(certDer: Uint8Array): string {
  return createHash('sha256').update(certDer).digest('hex');
}

function name(commonName: string): Buffer {
  return sequence(set(sequence(objectIdentifier(OID.commonName), utf8String(commonName))));
}

function extension(oid: string, critical: boolean, value: Buffer): Buffer {
  return critical
    ? sequence(objectIdentifier(oid), boolean(true), octetString(value))
    : sequence(objectIdentifier(oid), octetString(value));
}

function generalNames(names: readonly string[]): Buffer[] {
  const out: Buffer[] = [];
  for (const n of new Set(names)) {
    const kind = isIP(n);
    if (kind === 4) out.push(implicitPrimitive(7, Buffer.from(n.split('.').map(Number))));
    else if (kind === 6) out.push(implicitPrimitive(7, ipv6Bytes(n)));
    // dNSName is an IA5String; a host name that is not plain ASCII letters, digits, - and . is left out.
    else if (/^[A-Za-z0-9*]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(n))
      out.push(implicitPrimitive(2, Buffer.from(n, 'ascii')));
  }
  return out;
}

function ipv6Bytes(address: string): Buffer {
  const [head = '', tail = ''] = address.split('::');
  const parse = (s: string) => (s === '' ? [] : s.split(':'));
  const h = parse(head);
  const t = parse(tail);
  const groups = address.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => {
    out.writeUInt16BE(Number.parseInt(g, 16) || 0, i * 2);
  });
  return out;
}

export function generateCertificate(options: CertificateOptions = {}): GeneratedCertificate {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const commonName = options.commonName ?? 'hpchub-agent';
  const now = Date.now();
  const notBefore = new Date(now - 3600_000);
  const notAfter = new Date(now + (options.validDays ?? 400) * 86400_000);
  // A positive serial of 16 random bytes (RFC 5280: at most 20 octets, unique per issuer).
  const serial = randomBytes(16);
  serial[0] = ((serial[0] as number) & 0x7f) | 0x01;
  const algorithm = sequence(objectIdentifier(OID.ecdsaWithSha256));

  const sans = generalNames(options.altNames ?? []);
  const extensions = [
    extension(OID.basicConstraints, true, sequence()),
    // digitalSignature only (bit 0): ECDHE key exchange signs with this key.
    extension(OID.keyUsage, true, bitString(Buffer.from([0x80]), 7)),
    extension(OID.extKeyUsage, false, sequence(objectIdentifier(OID.serverAuth))),
    ...(sans.length > 0 ? [extension(OID.subjectAltName, false, sequence(...sans))] : []),
  ];

  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    integer(serial),
    algorithm,
    name(commonName),
    sequence(time(notBefore), time(notAfter)),
    name(commonName),
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, sequence(...extensions)),
  );
  // node:crypto signs ECDSA in DER (Ecdsa-Sig-Value), which is what X.509 wants.
  const signature = sign('sha256', tbs, privateKey);
  const certDer = sequence(tbs, algorithm, bitString(signature));

  // Parse it back: a certificate Node cannot read must fail here, not in the hub's TLS handshake.
  const parsed = new X509Certificate(certDer);
  if (!parsed.verify(publicKey))
    throw new Error('the generated certificate does not verify with its own key');

  const b64 = certDer.toString('base64').replace(/.{1,64}/g, '$&\n');
  return {
    certPem: `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certDer,
    fingerprint: fingerprintOf(certDer),
  };
}
