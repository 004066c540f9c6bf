// The key that signs session cookies. Generated on first start and kept in the data directory
// with mode 0600, so sessions survive restarts and nobody else on the machine can forge them.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const COOKIE_SECRET_FILE = 'cookie_secret';

export function loadOrCreateCookieSecret(
  dataDir: string,
  log: { warn(obj: object, msg: string): void },
): string {
  const path = join(dataDir, COOKIE_SECRET_FILE);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  try {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) {
      log.warn(
        { path, mode: mode.toString(8) },
        'cookie secret was readable by others; restricting it to 0600',
      );
      chmodSync(path, 0o600);
    }
    const secret = readFileSync(path, 'utf8').trim();
    if (secret.length < 32)
      throw new Error(`the cookie secret in ${path} is too short; delete it to generate a new one`);
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const secret = randomBytes(32).toString('hex');
  // 'wx': never overwrite a secret another hub process created a moment ago.
  try {
    writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8').trim();
    throw err;
  }
  return secret;
}
