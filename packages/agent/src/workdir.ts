// The job's private directory: created 0700 so nothing in it (the app's unix socket, RStudio's
// server data, `{workdir}` files) is reachable by other users of the node; removed at exit.
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** sun_path holds 108 bytes on Linux (104 on macOS); keep room for `/app.sock`. */
const MAX_SOCKET_DIR = 90;

/**
 * Makes `hpchub-<serverId>-XXXXXX` under $TMPDIR (node-local on clusters, unlike $HOME, and unix
 * sockets do not work on every network file system), or under /tmp when $TMPDIR's path is too
 * long for a socket path.
 */
export async function createWorkdir(serverId: string, base = os.tmpdir()): Promise<string> {
  const prefix = `hpchub-${serverId}-`;
  const parent = path.join(base, prefix).length + 6 > MAX_SOCKET_DIR ? '/tmp' : base;
  const dir = await mkdtemp(path.join(parent, prefix));
  // mkdtemp already uses 0700; say so explicitly, whatever the umask or platform.
  await chmod(dir, 0o700);
  return dir;
}

export async function removeWorkdir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true, maxRetries: 2 });
}

/** Where a `listen: unix` app puts its socket. */
export function socketPath(workdir: string): string {
  return path.join(workdir, 'app.sock');
}
