// The native PAM binding (the optional `authenticate-pam` package), loaded on demand so that a
// hub without libpam still runs with the other authenticators.
//
// What the binding does, read from its C++ source (authenticate_pam.cc, v1.0.5):
// - pam_start/pam_authenticate/pam_end run in libuv's thread pool (uv_queue_work), so the event
//   loop keeps running; a failed attempt holds a pool thread for PAM's fail delay (2–3 s).
// - It queues the work on uv_default_loop(), the main thread's loop: called from a worker thread
//   it aborts the whole process (checked). Call it from the main thread only.
// - User name and password are copied into 128-byte C buffers: longer values are silently cut
//   to 127 bytes and a NUL ends them early ("secret\0junk" authenticates as "secret").
//   checkPamInput() refuses such input before it gets here.
// - It never calls pam_acct_mgmt, so account expiry is not checked by PAM here.
import { createRequire } from 'node:module';

interface PamBinding {
  authenticate(
    username: string,
    password: string,
    callback: (error?: string) => void,
    options?: { serviceName?: string; remoteHost?: string },
  ): void;
}

/** Bytes the binding keeps of a user name or password (its buffers are 128 bytes with a NUL). */
export const PAM_MAX_INPUT_BYTES = 127;

/** Whether a value reaches PAM unchanged through the binding's C strings. */
export function fitsPamBinding(value: string): boolean {
  return !value.includes('\0') && Buffer.byteLength(value, 'utf8') <= PAM_MAX_INPUT_BYTES;
}

export const PAM_INSTALL_HINT =
  'Install the PAM development files and the optional native module: ' +
  '`apt-get install libpam0g-dev` (Debian/Ubuntu; `dnf install pam-devel` on RHEL), ' +
  'then `npm install` in the hpchub checkout.';

/** Loads the binding; throws an error saying how to install it when it is missing or broken. */
export function loadPamBinding(moduleName = 'authenticate-pam'): PamBinding {
  // A native addon cannot be loaded with import() (ERR_UNKNOWN_FILE_EXTENSION for .node), so
  // the optional dependency is required lazily instead.
  const require = createRequire(import.meta.url);
  let binding: unknown;
  try {
    binding = require(moduleName);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'MODULE_NOT_FOUND'
        ? `the optional module "${moduleName}" is not installed`
        : `the optional module "${moduleName}" could not be loaded (${(error as Error).message})`;
    throw new Error(`The pam authenticator cannot start: ${why}. ${PAM_INSTALL_HINT}`, { cause: error });
  }
  if (typeof (binding as Partial<PamBinding> | null)?.authenticate !== 'function') {
    throw new Error(`The pam authenticator cannot start: "${moduleName}" has no authenticate function.`);
  }
  return binding as PamBinding;
}

/**
 * One PAM authentication. Resolves to null on success or PAM's error text on failure; never
 * rejects for a wrong password.
 */
export function pamAuthenticate(
  binding: PamBinding,
  service: string,
  username: string,
  password: string,
): Promise<string | null> {
  return new Promise((resolve, reject) => {
    try {
      // The callback runs inside the addon's MakeCallback: an exception there would be fatal,
      // so it only resolves.
      binding.authenticate(username, password, (error) => resolve(error ?? null), { serviceName: service });
    } catch (error) {
      reject(error);
    }
  });
}
