// Checks for the real components that tests run against (PostgreSQL, the single-node Slurm
// cluster), set up by scripts/provision/*.sh. A test calls requirePostgres()/requireSlurm() first,
// so that a missing component fails at once with the command that fixes it, not later with a
// confusing connection error.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';

const execFileAsync = promisify(execFile);

export const DEFAULT_POSTGRES_URL = 'postgres://hpchub_test:hpchub_test@127.0.0.1:5432/postgres';

/** Node states in which the test node accepts jobs (sinfo %T; a trailing '*' means not responding). */
const USABLE_NODE_STATES = new Set(['idle', 'mixed', 'allocated', 'completing']);

/** The maintenance-database URL of the test role: HPCHUB_TEST_PG_URL, or the provisioned default. */
export function postgresUrl(): string {
  return process.env.HPCHUB_TEST_PG_URL || DEFAULT_POSTGRES_URL;
}

/** The URL without its password, for messages. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

function reason(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    // A refused connection to a name with IPv4 and IPv6 addresses is an AggregateError with no message.
    return error.message || code || error.name;
  }
  return String(error);
}

/**
 * Connects to postgresUrl() and runs `select 1`; resolves to the URL. Throws an Error with the
 * provisioning command when the server is not reachable or the role cannot log in.
 */
export async function requirePostgres(): Promise<string> {
  const url = postgresUrl();
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return url;
  } catch (error) {
    throw new Error(
      `PostgreSQL is not reachable at ${redact(url)} (${reason(error)}) — run: sudo bash scripts/provision/postgres.sh`,
      { cause: error },
    );
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Resolves when `sinfo` lists a node that accepts jobs. Throws an Error with the provisioning
 * command when Slurm is not installed, the controller does not answer, or the node is down.
 */
export async function requireSlurm(): Promise<void> {
  let stdout: string;
  try {
    ({ stdout } = await execFileAsync('sinfo', ['-h', '-o', '%T'], { timeout: 10_000 }));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('Slurm is not installed (no sinfo on PATH) — run: sudo bash scripts/provision/all.sh', {
        cause: error,
      });
    }
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(
      `Slurm is not reachable (sinfo failed: ${stderr || reason(error)}) — run: sudo bash scripts/provision/slurm.sh up`,
      { cause: error },
    );
  }
  const states = stdout
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  if (!states.some((state) => USABLE_NODE_STATES.has(state))) {
    throw new Error(
      `Slurm has no usable node (sinfo states: ${states.join(', ') || 'none'}) — run: sudo bash scripts/provision/slurm.sh up`,
    );
  }
}
