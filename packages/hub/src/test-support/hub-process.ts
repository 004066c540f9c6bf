// A hub run the way a site runs it: the real `hpchub start` (built, from dist/) in a process of
// its own, as an unprivileged system account instead of the test runner's root. Tests use it to
// show what the hub does without any privilege; everything else uses the in-process TestHub.
// It offers what the end-to-end helpers need of a TestHub: url, login, tokenFor and a read-only
// view of the database.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { chownSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Scope } from '../auth/scopes.js';
import { lookupSystemAccount } from '../auth/system-account.js';
import type { HubConfig } from '../config/index.js';
import type { HubContext } from '../context.js';
import type { Database } from '../db/schema.js';
import { testHubConfig } from './config.js';
import { Browser } from './hub.js';

const run = promisify(execFile);

/**
 * The account the hub runs as: made by scripts/provision/users.sh, a system account whose only
 * extra right is the group `shadow` (so that PAM can check other users' passwords).
 */
export const HUB_ACCOUNT = 'hpchub-hub';

const HPCHUB_BIN = fileURLToPath(new URL('../../bin/hpchub.js', import.meta.url));
const HPCHUB_DIST = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;

// What a service manager would give the hub: a plain PATH, nothing of the test runner's
// environment (no HPCHUB_* settings, no root's HOME).
const ENV = { PATH: '/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin', LANG: 'C.UTF-8', HOME: '/nonexistent' };

export interface HubProcessOptions {
  /** Adjusts the configuration (data_dir, port 0 and debug logs are set) before it is written to the hub's file. */
  configure?: (config: HubConfig) => void;
  /**
   * Files to put into the data directory first, by name, owned by the hub's account with mode
   * 0600: secrets the configuration refers to, such as `slurm.gateway_token_file`.
   */
  files?: Record<string, string>;
  /**
   * Another program than `hpchub start` (a hub on a simulated cluster: sim-hub.mjs), given the
   * configuration file; run as the test's own account, not as HUB_ACCOUNT.
   */
  program?: (configFile: string) => string[];
  /** Variables added to the hub's environment (secrets the program needs, never arguments). */
  env?: Record<string, string>;
  /**
   * The hub's database as the test already holds it (config.db.url must name it); by default
   * the SQLite file in the data directory, opened read-only.
   */
  database?: Pick<HubContext, 'db'>;
}

/** The identity of a running process, from /proc/<pid>/status. */
export interface ProcessIdentity {
  /** Real, effective, saved and file-system uid. */
  uids: number[];
  gids: number[];
  groups: number[];
  /** Effective and permitted capabilities, as the hexadecimal masks the kernel prints. */
  capEff: string;
  capPrm: string;
}

/** How the hub's process is started (again, after a kill). */
interface Launch {
  command: string[];
  /** As the test's own account (else as HUB_ACCOUNT, through setpriv). */
  asSelf: boolean;
  /** The database view is HubProcess's own, closed by stop(). */
  ownView: boolean;
  env: Record<string, string>;
}

export class HubProcess {
  private stopped: Promise<void> | undefined;

  private constructor(
    private child: ChildProcess,
    /** Where the hub answers; a new port after restart(). */
    public url: string,
    readonly dataDir: string,
    private readonly configFile: string,
    /** How the hub's process is started (again, after a kill). */
    private readonly launch: Launch,
    /**
     * What tests read of the hub's state, as TestHub's `hub` offers it: the database, opened
     * read-only from the SQLite file the running hub keeps writing.
     */
    readonly hub: Pick<HubContext, 'db'>,
    /** Every log line the hub wrote (stdout and stderr), as text. */
    readonly logLines: string[],
  ) {}

  /** The hub's own process id (setpriv executes the hub in its place). */
  get pid(): number {
    return this.child.pid as number;
  }

  static async start(options: HubProcessOptions = {}): Promise<HubProcess> {
    if (!existsSync(HPCHUB_DIST)) {
      throw new Error(`${HPCHUB_DIST} is missing: the hub runs from its build; run \`npm run build\` first.`);
    }
    const account = await lookupSystemAccount(HUB_ACCOUNT);
    if (!account) {
      throw new Error(`There is no account ${HUB_ACCOUNT}; run: sudo bash scripts/provision/users.sh`);
    }
    const dataDir = await mkdtemp(join(tmpdir(), 'hpchub-process-'));
    let child: ChildProcess | undefined;
    try {
      const owned = (path: string) => chownSync(path, account.uid, account.gid);
      owned(dataDir);
      const config = testHubConfig(dataDir);
      options.configure?.(config);
      for (const [name, content] of Object.entries(options.files ?? {})) {
        writeFileSync(join(dataDir, name), content, { mode: 0o600 });
        owned(join(dataDir, name));
      }
      // JSON is YAML: the whole configuration, every key the hub knows.
      const configFile = join(dataDir, 'hpchub.yaml');
      writeFileSync(configFile, JSON.stringify(config, null, 1), { mode: 0o600 });
      owned(configFile);

      const lines: string[] = [];
      const command = options.program
        ? options.program(configFile)
        : [...asAccount(), process.execPath, HPCHUB_BIN, 'start', '--config', configFile];
      const launch: Launch = {
        command,
        asSelf: options.program !== undefined,
        ownView: !options.database,
        env: { ...ENV, ...options.env },
      };
      child = startProcess(launch, dataDir);
      const url = await running(child, lines);
      const hub = options.database ?? { db: readOnlyView(dataDir) };
      return new HubProcess(child, url, dataDir, configFile, launch, hub, lines);
    } catch (err) {
      if (child) await end(child);
      await rm(dataDir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Kills the hub with SIGKILL (no shutdown of any kind, as a crash or an OOM killer would) and
   * starts it again on the same data directory and configuration. Its log goes on in logLines.
   */
  async killAndRestart(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
    live.delete(this.child);
    this.child = startProcess(this.launch, this.dataDir);
    this.url = await running(this.child, this.logLines);
  }

  /** Who the hub process is, as the kernel sees it. */
  identity(): ProcessIdentity {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1]?.trim() ?? '';
    const numbers = (name: string) => field(name).split(/\s+/).filter(Boolean).map(Number);
    return {
      uids: numbers('Uid'),
      gids: numbers('Gid'),
      groups: numbers('Groups'),
      capEff: field('CapEff'),
      capPrm: field('CapPrm'),
    };
  }

  /** Logs in through the login form like a browser, returning the session's cookie jar. */
  login(username: string, password: string): Promise<Browser> {
    return Browser.loggedIn(this.url, username, password);
  }

  /** An API token for the named user, made with `hpchub token create` run as the hub's account. */
  async tokenFor(name: string, scopes: Scope[] = ['self']): Promise<string> {
    const { stdout } = await runAsHubAccount(
      [
        process.execPath,
        HPCHUB_BIN,
        'token',
        'create',
        name,
        '--scopes',
        scopes.join(','),
        '--config',
        this.configFile,
      ],
      this.dataDir,
    );
    return stdout.trim();
  }

  /** Stops the hub (SIGTERM, SIGKILL if it does not end) and removes its data directory. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= (async () => {
      if (this.launch.ownView) await this.hub.db.destroy();
      await end(this.child);
      await rm(this.dataDir, { recursive: true, force: true });
    })();
    return this.stopped;
  }

  /** The whole captured log as one string. */
  logText(): string {
    return this.logLines.join('\n');
  }
}

/** The SQLite file the hub keeps in its data directory, opened read-only. */
function readOnlyView(dataDir: string): Kysely<Database> {
  const sqlite = new SqliteDatabase(join(dataDir, 'hpchub.sqlite'), { readonly: true, fileMustExist: true });
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
}

/**
 * The hub's process, output piped for running() to read: `command` through setpriv (as
 * HUB_ACCOUNT), or as it is (`asSelf`).
 */
function startProcess({ command, asSelf, env }: Launch, dataDir: string): ChildProcess {
  const [program, ...args] = asSelf ? command : ['setpriv', ...command];
  const child = spawn(program as string, args, { cwd: dataDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  return child;
}

/** setpriv's arguments that run a command as HUB_ACCOUNT, with its groups and no capabilities. */
function asAccount(): string[] {
  return [`--reuid=${HUB_ACCOUNT}`, `--regid=${HUB_ACCOUNT}`, '--init-groups', '--inh-caps=-all', '--'];
}

/** Runs a command as HUB_ACCOUNT, in the hub's environment; rejects when it fails. */
export function runAsHubAccount(argv: string[], cwd = '/'): Promise<{ stdout: string; stderr: string }> {
  return run('setpriv', [...asAccount(), ...argv], { cwd, env: ENV, timeout: 60_000 });
}

// Hubs still running when the test process exits (a crash, a forgotten stop) end with it.
const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Ends the process: SIGTERM (the hub shuts down cleanly), SIGKILL if it does not end in time. */
async function end(child: ChildProcess): Promise<void> {
  // No pid: it never started (setpriv missing), so there is nothing to wait for.
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
  live.delete(child);
}

/** Resolves with the hub's URL once it logs that it is running; rejects if it exits first. */
function running(child: ChildProcess, lines: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => fail('did not say it was running in time'), START_TIMEOUT_MS);
    function fail(why: string) {
      clearTimeout(timer);
      reject(new Error(`hpchub start ${why}; its output:\n${lines.join('\n')}`));
    }
    const collect = (stream: NodeJS.ReadableStream | null) => {
      let rest = '';
      stream?.on('data', (chunk: Buffer) => {
        const parts = (rest + String(chunk)).split('\n');
        rest = parts.pop() ?? '';
        for (const line of parts.filter(Boolean)) {
          lines.push(line);
          const url = /"url":"(https?:\/\/[^"]+)","msg":"hpchub is running"/.exec(line)?.[1];
          if (url) {
            clearTimeout(timer);
            resolve(url);
          }
        }
      });
    };
    collect(child.stdout);
    collect(child.stderr);
    child.once('exit', (code, signal) => fail(`exited (${code ?? signal})`));
    child.once('error', (err) => fail(`could not run: ${err.message}`));
  });
}
