// The `hpchub` command as an admin uses it: every subcommand acts on the database that
// `hpchub start` uses, prints results on stdout and problems on stderr with an exit code.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lookupToken } from '../auth/tokens.js';
import { openDatabase } from '../db/index.js';
import { runHpchub } from '../test-support/cli.js';
import { Browser } from '../test-support/hub.js';
import { verifyPassword } from '../users/password.js';

const hpchub = runHpchub;

describe('hpchub CLI', () => {
  let dir: string;
  let dd: string[];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hpchub-cli-'));
    dd = ['--data-dir', dir];
  });
  after(() => rm(dir, { recursive: true, force: true }));

  async function withDb<T>(
    fn: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>,
  ): Promise<T> {
    const h = await openDatabase(`sqlite:${join(dir, 'hpchub.sqlite')}`);
    try {
      return await fn(h.db);
    } finally {
      await h.close();
    }
  }

  test('db upgrade --dry-run lists pending migrations; db upgrade applies them', async () => {
    const dry = await hpchub(['db', 'upgrade', '--dry-run', ...dd]);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /0001_initial/);
    const up = await hpchub(['db', 'upgrade', ...dd]);
    assert.equal(up.code, 0, up.stderr);
    assert.match((await hpchub(['db', 'upgrade', ...dd])).stdout, /up to date/);
  });

  test('user add reads the password from stdin; user list shows the account', async () => {
    const add = await hpchub(['user', 'add', 'alice', ...dd], 'alice-password-1\n');
    assert.equal(add.code, 0, add.stderr);
    const admin = await hpchub(['user', 'add', 'Boss', '--admin', ...dd], 'boss-password-1\n');
    assert.equal(admin.code, 0, admin.stderr);
    const list = await hpchub(['user', 'list', ...dd]);
    assert.equal(list.code, 0);
    assert.match(list.stdout, /^alice\s+no\s+no/m);
    assert.match(list.stdout, /^boss\s+yes\s+no/m);
    const hash = await withDb((db) =>
      db.selectFrom('users').select('password_hash').where('name', '=', 'alice').executeTakeFirstOrThrow(),
    );
    assert.equal(await verifyPassword('alice-password-1', hash.password_hash), true);
  });

  test('user add refuses a taken name, a bad name, a short or missing password', async () => {
    assert.equal((await hpchub(['user', 'add', 'alice', ...dd], 'another-password\n')).code, 1);
    const bad = await hpchub(['user', 'add', 'a/b', ...dd], 'long-enough-pw\n');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Invalid username/);
    const short = await hpchub(['user', 'add', 'carl', ...dd], 'short\n');
    assert.equal(short.code, 2);
    assert.match(short.stderr, /at least 8/);
    const none = await hpchub(['user', 'add', 'carl', ...dd]);
    assert.equal(none.code, 1);
    assert.match(none.stderr, /No password/);
    assert.doesNotMatch((await hpchub(['user', 'list', ...dd])).stdout, /carl/);
  });

  test('user passwd changes the password', async () => {
    const res = await hpchub(['user', 'passwd', 'alice', ...dd], 'alice-password-2\n');
    assert.equal(res.code, 0, res.stderr);
    const hash = await withDb((db) =>
      db.selectFrom('users').select('password_hash').where('name', '=', 'alice').executeTakeFirstOrThrow(),
    );
    assert.equal(await verifyPassword('alice-password-2', hash.password_hash), true);
    assert.equal((await hpchub(['user', 'passwd', 'nobody', ...dd], 'whatever-pw\n')).code, 1);
  });

  test('token create prints the token alone, with the scopes and expiry asked for', async () => {
    const res = await hpchub([
      'token',
      'create',
      'alice',
      '--scopes',
      'servers,tokens',
      '--expires-in',
      '3600',
      ...dd,
    ]);
    assert.equal(res.code, 0, res.stderr);
    const token = res.stdout.trim();
    assert.match(res.stdout, /^hph_[\w-]+\n$/);
    const found = await withDb((db) => lookupToken(db, token));
    assert.ok(found);
    assert.deepEqual(JSON.parse(found.row.scopes), ['servers', 'tokens']);
    assert.ok(found.row.expires_at);
  });

  test('token create refuses unknown scopes, admin scopes for non-admins, bad expiry, unknown users', async () => {
    for (const [args, code, message] of [
      [['--scopes', 'root'], 2, /Unknown scope/],
      [['--scopes', 'admin'], 1, /not an admin/],
      [['--expires-in', 'soon'], 2, /--expires-in/],
      [['--expires-in', '0'], 2, /--expires-in/],
    ] as const) {
      const res = await hpchub(['token', 'create', 'alice', ...args, ...dd]);
      assert.equal(res.code, code, args.join(' '));
      assert.match(res.stderr, message);
      assert.equal(res.stdout, '');
    }
    assert.equal((await hpchub(['token', 'create', 'ghost', ...dd])).code, 1);
  });

  test('wrong arguments say what is wrong and exit non-zero', async () => {
    for (const [args, message] of [
      [['user', 'add'], /takes NAME/],
      [['user', 'add', 'x', 'y'], /takes NAME/],
      [['user', 'list', '--colour'], /Unknown option '--colour'/],
      [['user', 'frobnicate'], /Unknown command.*user add/s],
      [['config', 'check', '--port', '70000'], /port \(flag --port\): must be an integer from 0 to 65535/],
      [['start', '--port', 'eighty'], /port/],
    ] as const) {
      const res = await hpchub([...args]);
      assert.equal(res.code, 2, args.join(' '));
      assert.match(res.stderr, message);
    }
  });

  test('--help works for the tool and for each command', async () => {
    const top = await hpchub(['--help']);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /user add/);
    assert.match(top.stdout, /--data-dir/);
    const sub = await hpchub(['token', 'create', '--help']);
    assert.equal(sub.code, 0);
    assert.match(sub.stdout, /--expires-in/);
  });

  test('config check reports where settings come from', async () => {
    const res = await hpchub(['config', 'check', '--port', '9000', ...dd]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /port\s+\(from flag --port\)/);
  });
});

describe('hpchub start on a brand-new data directory', () => {
  const bin = new URL('../../bin/hpchub.js', import.meta.url).pathname;
  let dir: string;
  let child: ChildProcess | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hpchub-start-'));
  });
  after(async () => {
    child?.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts the real command and resolves with its URL once it listens, and the admin password if printed. */
  function startHub(): Promise<{ url: string; password: string | undefined; output: () => string }> {
    const proc = spawn(process.execPath, [bin, 'start', '--port', '0', '--data-dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    let out = '';
    return new Promise((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        out += String(chunk);
        const url = /"url":"(http:\/\/127\.0\.0\.1:\d+)","msg":"hpchub is running"/.exec(out)?.[1];
        if (url) resolve({ url, password: /password: (\S+)/.exec(out)?.[1], output: () => out });
      };
      proc.stdout?.on('data', onData);
      proc.stderr?.on('data', onData);
      proc.once('exit', (code) => reject(new Error(`hpchub start exited with ${code}:\n${out}`)));
    });
  }

  function stop(): Promise<number | null> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return Promise.resolve(proc?.exitCode ?? null);
    return new Promise((resolve) => {
      proc.removeAllListeners('exit');
      proc.once('exit', (code) => resolve(code));
      proc.kill('SIGTERM');
    });
  }

  test('prints the first admin password once; it logs in; a restart prints nothing', async () => {
    const first = await startHub();
    assert.ok(first.password, 'the password was printed');
    const version = await fetch(`${first.url}/hub/api`);
    assert.equal(version.status, 200);
    const login = await new Browser(first.url).submitLogin('admin', first.password);
    assert.equal(login.status, 303);
    // The password is on the terminal once, and never in a log line.
    const logLines = first
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    assert.ok(logLines.length > 0);
    assert.ok(!logLines.some((l) => l.includes(first.password as string)));
    assert.equal(await stop(), 0);

    const second = await startHub();
    assert.equal(second.password, undefined);
    assert.equal((await new Browser(second.url).submitLogin('admin', first.password)).status, 303);
    assert.equal(await stop(), 0);
  });
});
