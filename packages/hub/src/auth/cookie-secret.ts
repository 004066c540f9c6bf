// The key that signs session cookies. Generated on first start and kept in the data directory
// with mode 0600, so sessions survive restarts and nobody else on the machine can forge them.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { readOrCreatePrivateFile } from './private-file.js';

export const COOKIE_SECRET_FILE = 'cookie_secret';

export function loadOrCreateCookieSecret(
  dataDir: string,
  log: { warn(obj: object, msg: string): void },
): string {
  const path = join(dataDir, COOKIE_SECRET_FILE);
  const make = () => `${randomBytes(32).toString('hex')}\n`;
  const secret = readOrCreatePrivateFile(path, 'cookie secret', make, log).trim();
  if (secret.length < 32)
    throw new Error(`the cookie secret in ${path} is too short; delete it to generate a new one`);
  return secret;
}
