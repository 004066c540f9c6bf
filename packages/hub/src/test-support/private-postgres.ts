// A PostgreSQL server of the test's own, to restart at will: Debian's binaries (installed by
// scripts/provision/postgres.sh's package, found under /usr/lib/postgresql/<version>/bin), a
// fresh cluster in a temporary directory run as the `postgres` account on a free loopback port.
// Restarting the provisioned server would cut off every other test that uses it at the same
// time; this one serves only the test that made it.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { lookupSystemAccount } from '../auth/system-account.js';
import { freePort } from './sim-cluster.js';

const run = promisify(execFile);
const ROOT = '/usr/lib/postgresql';

/** The newest installed server's bin directory; throws with the command that installs one. */
function binDir(): string {
  const versions = existsSync(ROOT)
    ? readdirSync(ROOT)
        .filter((v) => existsSync(join(ROOT, v, 'bin', 'pg_ctl')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions[0])
    throw new Error(`no PostgreSQL server under ${ROOT} — run: sudo bash scripts/provision/all.sh`);
  return join(ROOT, versions[0], 'bin');
}

export class PrivatePostgres {
  private constructor(
    private readonly dir: string,
    private readonly bin: string,
    readonly port: number,
  ) {}

  /** Creates and starts the cluster (trust authentication, loopback only). Needs root. */
  static async start(): Promise<PrivatePostgres> {
    const bin = binDir();
    const account = await lookupSystemAccount('postgres');
    if (!account) throw new Error('there is no account postgres — run: sudo bash scripts/provision/all.sh');
    const dir = await mkdtemp(join(tmpdir(), 'hpchub-private-pg-'));
    chownSync(dir, account.uid, account.gid);
    const server = new PrivatePostgres(dir, bin, await freePort());
    try {
      await server.asPostgres('initdb', ['-D', server.data, '-A', 'trust', '-U', 'postgres', '--no-sync']);
      await server.up();
      return server;
    } catch (err) {
      await server.stop();
      throw err;
    }
  }

  private get data(): string {
    return join(this.dir, 'data');
  }

  /** The maintenance database's URL. */
  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  private asPostgres(command: string, args: string[]) {
    return run('runuser', ['-u', 'postgres', '--', join(this.bin, command), ...args], {
      cwd: '/',
      timeout: 120_000,
    });
  }

  /** Starts the server and waits until it accepts connections. */
  async up(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    await this.asPostgres('pg_ctl', [
      '-D',
      this.data,
      '-l',
      join(this.dir, 'log'),
      '-o',
      options,
      '-w',
      'start',
    ]);
  }

  /** Stops the server (`fast`: clients are disconnected, as a service restart does). */
  async down(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.asPostgres('pg_ctl', ['-D', this.data, '-m', mode, '-w', 'stop']);
  }

  /** Stops the server and removes the cluster. Safe to call more than once. */
  async stop(): Promise<void> {
    if (!existsSync(this.dir)) return;
    await this.down('immediate').catch(() => undefined);
    await rm(this.dir, { recursive: true, force: true });
  }
}
