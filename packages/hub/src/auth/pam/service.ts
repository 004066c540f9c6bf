// Checks the configured PAM service before the first login. libpam quietly falls back to the
// `other` service for a name it has no file for: on Debian `other` includes common-auth, so a
// misspelt service still accepts passwords (checked), and on RHEL `other` denies everything. A
// typo would either way change who can log in without a word, so it is a startup error here.
import { access } from 'node:fs/promises';
import { join } from 'node:path';

// Where libpam looks for service files: the admin's directory, then the vendor directory used by
// newer distributions.
export const PAM_SERVICE_DIRS = ['/etc/pam.d', '/usr/lib/pam.d'];

// A service name becomes a file name under those directories: no slashes, no leading dot.
const SERVICE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/** Throws an error a site admin can act on when `service` is not a usable PAM service. */
export async function assertPamService(service: string, dirs: string[] = PAM_SERVICE_DIRS): Promise<void> {
  if (!SERVICE_NAME.test(service)) {
    throw new Error(
      `auth.pam.service "${service}" is not a PAM service name (letters, digits, "_", "." and "-").`,
    );
  }
  for (const dir of dirs) {
    try {
      await access(join(dir, service));
      return;
    } catch {
      // Not in this directory; try the next.
    }
  }
  throw new Error(
    `auth.pam.service "${service}" has no file in ${dirs.join(' or ')}; PAM would silently use the ` +
      '`other` service instead. Set auth.pam.service to an existing service (e.g. login) or create the file.',
  );
}
