// A file only the hub's account may read (mode 0600) in the data directory, made once by
// whichever hub process (or command) needs it first and read by every later one: the cookie
// secret, the hub's own certificate and key.
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The file's content; made with `make()` when it does not exist. A file others could read is
 * restricted to 0600 first, with a warning naming `what`.
 */
export function readOrCreatePrivateFile(
  path: string,
  what: string,
  make: () => string,
  log: { warn(obj: object, msg: string): void },
): string {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) {
      log.warn({ path, mode: mode.toString(8) }, `${what} was readable by others; restricting it to 0600`);
      chmodSync(path, 0o600);
    }
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const content = make();
  // 'wx': never overwrite what another hub process made a moment ago.
  try {
    writeFileSync(path, content, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8');
    throw err;
  }
  return content;
}
