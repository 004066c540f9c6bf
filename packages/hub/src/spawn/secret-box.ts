// Seals the servers' agent secrets for the database. The proxy must present a server's secret on
// every request, so it needs the secret itself, not a hash; and it needs it again after a hub
// restart (running servers are re-adopted), so memory alone is not enough. The database therefore
// holds it encrypted (AES-256-GCM) with a key derived (HKDF-SHA256) from the cookie secret, which
// lives in the data directory with mode 0600 and never in the database: a leaked database or
// backup reveals no secret. The server's id is authenticated with the ciphertext, so a sealed
// secret copied to another server's row does not open there. Changing the cookie secret makes
// sealed secrets unreadable: those servers must be restarted (the hub logs which).
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class SecretBox {
  private readonly key: Buffer;

  constructor(cookieSecret: string) {
    this.key = Buffer.from(hkdfSync('sha256', cookieSecret, 'hpchub', 'hpchub route secret v1', 32));
  }

  /** `v1.<iv>.<ciphertext+tag>`, base64url. */
  seal(secret: string, serverId: number): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(String(serverId)));
    const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${VERSION}.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** The secret, or throws when the text was not sealed by this key for this server. */
  open(sealed: string, serverId: number): string {
    const [version, iv, body] = sealed.split('.');
    if (version !== VERSION || !iv || !body) throw new Error('not a sealed secret of this hub version');
    const bytes = Buffer.from(body, 'base64url');
    if (bytes.length < TAG_BYTES) throw new Error('sealed secret is truncated');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(String(serverId)));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    const text = Buffer.concat([
      decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return text.toString('utf8');
  }
}
