import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseArgs } from 'node:util';
import { ConfigError, type ConfigProblem, configFlagOptions, type LoadOptions, loadConfig } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'hpchub-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a YAML file and returns its path. */
function yamlFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** Flags as the CLI would parse them. */
const flags = (...args: string[]) => parseArgs({ args, options: configFlagOptions(), strict: true }).values;

/** The problems loadConfig reports, asserting that it throws a ConfigError. */
function problemsOf(options: LoadOptions): ConfigProblem[] {
  try {
    loadConfig({ env: {}, ...options });
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${err}`);
    return err.problems;
  }
  assert.fail('expected loadConfig to throw a ConfigError');
}

describe('loadConfig', () => {
  it('starts with no file, environment or flags, from defaults alone', () => {
    const { config, warnings, sources, file } = loadConfig({ env: {}, cwd: '/srv/hub' });
    assert.equal(config.ip, '127.0.0.1');
    assert.equal(config.port, 8000);
    assert.equal(config.data_dir, '/srv/hub/hpchub-data');
    assert.equal(config.db.url, 'sqlite:/srv/hub/hpchub-data/hpchub.sqlite');
    assert.equal(config.log.level, 'info');
    assert.equal(config.auth.authenticator, 'local');
    assert.equal(config.auth.allow_all, true);
    assert.deepEqual(config.auth.admin_users, []);
    assert.equal(config.auth.rate_limit.max_failures_per_user, 5);
    assert.equal(config.auth.rate_limit.lockout_seconds, 600);
    assert.equal(config.auth.pam.service, 'login');
    assert.equal(config.session.max_age_seconds, 1209600);
    assert.equal(config.session.cookie_secure, 'auto');
    assert.equal(config.api.page_default_limit, 50);
    assert.equal(config.tokens.max_expires_in_seconds, 0);
    assert.equal(config.proxy.admin_access, false);
    assert.deepEqual(warnings, []);
    assert.deepEqual(sources, {});
    assert.equal(file, undefined);
  });

  it('reads nested sections from the YAML file and says where each value came from', () => {
    const path = yamlFile(
      'nested.yaml',
      [
        'port: 9000',
        'data_dir: /var/lib/hpchub',
        'auth:',
        '  authenticator: pam',
        '  admin_users: [alice, bob]',
        '  rate_limit:',
        '    lockout_seconds: 60',
        '  pam:',
        '    service: hpchub',
        'db:',
        "  url: 'postgres://hub@db/hpchub'",
        'proxy:  # everything commented out',
        '',
      ].join('\n'),
    );
    const { config, sources, file } = loadConfig({ file: path, env: {} });
    assert.equal(file, path);
    assert.equal(config.port, 9000);
    assert.equal(config.data_dir, '/var/lib/hpchub');
    assert.equal(config.auth.authenticator, 'pam');
    assert.deepEqual(config.auth.admin_users, ['alice', 'bob']);
    assert.equal(config.auth.rate_limit.lockout_seconds, 60);
    assert.equal(config.auth.rate_limit.window_seconds, 600);
    assert.equal(config.auth.pam.service, 'hpchub');
    assert.equal(config.db.url, 'postgres://hub@db/hpchub');
    assert.equal(sources['auth.rate_limit.lockout_seconds'], `${path}:7`);
    assert.equal(sources.port, `${path}:1`);
    assert.equal(sources['auth.allow_all'], undefined);
  });

  it('lets the environment override the file, and flags override both', () => {
    const path = yamlFile('precedence.yaml', 'port: 9000\nip: 0.0.0.0\nlog:\n  level: warn\n');
    const { config, sources } = loadConfig({
      env: { HPCHUB_CONFIG: path, HPCHUB_PORT: '9001', HPCHUB_LOG_LEVEL: 'debug' },
      flags: flags('--port', '9002'),
    });
    assert.equal(config.ip, '0.0.0.0');
    assert.equal(config.log.level, 'debug');
    assert.equal(config.port, 9002);
    assert.deepEqual(sources, { ip: `${path}:2`, 'log.level': 'env HPCHUB_LOG_LEVEL', port: 'flag --port' });
  });

  it('takes the file from --config before HPCHUB_CONFIG', () => {
    const fromFlag = yamlFile('from-flag.yaml', 'port: 1111\n');
    const fromEnv = yamlFile('from-env.yaml', 'port: 2222\n');
    const { config } = loadConfig({ env: { HPCHUB_CONFIG: fromEnv }, flags: flags('--config', fromFlag) });
    assert.equal(config.port, 1111);
  });

  it('reports a named file that does not exist, with where it was named', () => {
    const problems = problemsOf({ env: { HPCHUB_CONFIG: join(dir, 'missing.yaml') } });
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.key, 'config');
    assert.equal(problems[0]?.source, 'env HPCHUB_CONFIG');
    assert.match(problems[0]?.message ?? '', /missing\.yaml does not exist/);
  });

  it('reports every mistake in a file at once, each with its key and line', () => {
    const path = yamlFile(
      'three-mistakes.yaml',
      ['port: 70000', 'auth:', '  allow_all: sometimes', 'session:', '  cookie_secure: maybe', ''].join('\n'),
    );
    const problems = problemsOf({ file: path });
    assert.deepEqual(
      problems.map((p) => [p.key, p.source]),
      [
        ['port', `${path}:1`],
        ['auth.allow_all', `${path}:3`],
        ['session.cookie_secure', `${path}:5`],
      ],
    );
    assert.match(problems[0]?.message ?? '', /must be an integer from 0 to 65535; got 70000/);
    assert.match(problems[2]?.message ?? '', /one of auto, always, never/);
  });

  it('lists every problem in the error message, one per line', () => {
    const path = yamlFile('message.yaml', 'port: -1\nlog:\n  level: loud\n');
    assert.throws(
      () => loadConfig({ file: path, env: { HPCHUB_API_PAGE_MAX_LIMIT: 'many' } }),
      (err: Error) => {
        const lines = err.message.split('\n');
        assert.match(lines[0] ?? '', /not valid \(3 problems\)/);
        assert.match(lines[1] ?? '', /^ {2}port \(.*message\.yaml:1\): must be/);
        assert.match(lines[2] ?? '', /^ {2}log\.level \(.*message\.yaml:3\): must be one of/);
        assert.match(
          lines[3] ?? '',
          /^ {2}api\.page_max_limit \(env HPCHUB_API_PAGE_MAX_LIMIT\): must be an integer/,
        );
        return true;
      },
    );
  });

  it('rejects unknown keys in the file and suggests the likely one', () => {
    const path = yamlFile('unknown.yaml', 'auth:\n  alow_all: false\nadmin_users: [alice]\nfrobnicate: 1\n');
    const problems = problemsOf({ file: path });
    assert.deepEqual(
      problems.map((p) => [p.key, p.message]),
      [
        ['auth.alow_all', 'unknown key; did you mean auth.allow_all?'],
        ['admin_users', 'unknown key; did you mean auth.admin_users?'],
        ['frobnicate', 'unknown key'],
      ],
    );
  });

  it('reports YAML syntax errors with their line', () => {
    const path = yamlFile('syntax.yaml', 'port: 8000\nauth:\n  admin_users: [alice\n');
    const problems = problemsOf({ file: path });
    assert.ok(problems.length >= 1);
    assert.match(problems[0]?.source ?? '', /syntax\.yaml:\d+$/);
    assert.match(problems[0]?.message ?? '', /^not valid YAML/);
  });

  it('rejects a section given as a plain value', () => {
    const path = yamlFile('section.yaml', 'auth: pam\n');
    const problems = problemsOf({ file: path });
    assert.deepEqual(
      problems.map((p) => [p.key, p.message]),
      [['auth', 'must be a section of keys and values']],
    );
  });

  it('rejects an environment integer that is not all digits', () => {
    const problems = problemsOf({ env: { HPCHUB_PORT: '12abc' } });
    assert.deepEqual(problems, [
      { key: 'port', source: 'env HPCHUB_PORT', message: 'must be an integer from 0 to 65535; got "12abc"' },
    ]);
  });

  it('checks the range of an environment integer', () => {
    const problems = problemsOf({ env: { HPCHUB_SESSION_MAX_AGE_SECONDS: '59' } });
    assert.equal(problems[0]?.key, 'session.max_age_seconds');
    assert.match(problems[0]?.message ?? '', /at least 60; got 59/);
  });

  it('reads booleans as true/false, yes/no, 1/0 and rejects anything else', () => {
    assert.equal(
      loadConfig({ env: {}, flags: flags('--auth-allow-all', 'no') }).config.auth.allow_all,
      false,
    );
    assert.equal(
      loadConfig({ env: {}, flags: flags('--proxy-admin-access=YES') }).config.proxy.admin_access,
      true,
    );
    assert.equal(
      loadConfig({ env: { HPCHUB_AUTH_PAM_REQUIRE_HOME: '0' } }).config.auth.pam.require_home,
      false,
    );
    const problems = problemsOf({ flags: flags('--auth-allow-all', 'sometimes') });
    assert.deepEqual(problems, [
      {
        key: 'auth.allow_all',
        source: 'flag --auth-allow-all',
        message: 'must be true or false; got "sometimes"',
      },
    ]);
  });

  it('reads lists as comma-separated, trimmed, and an empty value as the empty list', () => {
    const path = yamlFile('lists.yaml', 'auth:\n  blocked_users: [mallory]\n');
    const { config } = loadConfig({
      file: path,
      env: { HPCHUB_AUTH_ADMIN_USERS: ' alice, bob ,,carol ', HPCHUB_AUTH_BLOCKED_USERS: '' },
      flags: flags('--auth-allowed-groups', 'hpc-users'),
    });
    assert.deepEqual(config.auth.admin_users, ['alice', 'bob', 'carol']);
    assert.deepEqual(config.auth.blocked_users, []);
    assert.deepEqual(config.auth.allowed_groups, ['hpc-users']);
  });

  it('rejects a list in the file that is a single string', () => {
    const path = yamlFile('list-string.yaml', 'auth:\n  admin_users: alice\n');
    const problems = problemsOf({ file: path });
    assert.equal(problems[0]?.key, 'auth.admin_users');
    assert.match(problems[0]?.message ?? '', /must be a list of non-empty strings; got "alice"/);
  });

  it('requires tls.cert and tls.key together, reporting the one that is missing', () => {
    const onlyCert = problemsOf({ env: { HPCHUB_TLS_CERT: '/etc/hpchub/cert.pem' } });
    assert.deepEqual(onlyCert, [
      {
        key: 'tls.key',
        source: 'default',
        message: 'must be set because tls.cert is set (tls.cert from env HPCHUB_TLS_CERT)',
      },
    ]);
    const onlyKey = problemsOf({ flags: flags('--tls-key', '/etc/hpchub/key.pem') });
    assert.equal(onlyKey[0]?.key, 'tls.cert');
    const both = loadConfig({ env: {}, flags: flags('--tls-cert', '/c.pem', '--tls-key', '/k.pem') });
    assert.deepEqual(both.config.tls, { cert: '/c.pem', key: '/k.pem' });
  });

  it('requires the default page size not to exceed the maximum', () => {
    const problems = problemsOf({ env: { HPCHUB_API_PAGE_MAX_LIMIT: '20' } });
    assert.equal(problems.length, 1);
    assert.equal(problems[0]?.key, 'api.page_default_limit');
    assert.match(problems[0]?.message ?? '', /must not exceed api.page_max_limit \(20\); got 50/);
  });

  it('accepts the database URL schemes it knows and rejects others', () => {
    for (const url of [
      'sqlite:/var/lib/hub.sqlite',
      'sqlite::memory:',
      'postgres://h/db',
      'postgresql://h/db',
    ]) {
      assert.equal(loadConfig({ env: { HPCHUB_DB_URL: url } }).config.db.url, url);
    }
    for (const url of ['mysql://h/db', 'sqlite:relative.sqlite', 'hub.sqlite']) {
      const problems = problemsOf({ env: { HPCHUB_DB_URL: url } });
      assert.equal(problems[0]?.key, 'db.url', url);
      assert.match(problems[0]?.message ?? '', /must be empty, sqlite:\/absolute\/path\.sqlite/);
    }
  });

  it('resolves a relative data_dir against the current directory', () => {
    const { config } = loadConfig({ env: {}, cwd: '/home/op', flags: flags('--data-dir', 'state') });
    assert.equal(config.data_dir, '/home/op/state');
    assert.equal(config.db.url, 'sqlite:/home/op/state/hpchub.sqlite');
  });

  it('warns about unknown HPCHUB_ variables but not HPCHUB_CONFIG or HPCHUB_TEST_*', () => {
    const { warnings } = loadConfig({
      env: { HPCHUB_PROT: '9000', HPCHUB_TEST_SLURM: '1', HPCHUB_CONFIG: '', PATH: '/bin' },
    });
    assert.deepEqual(warnings, [
      'HPCHUB_PROT is not a hub setting and is ignored; did you mean HPCHUB_PORT?',
    ]);
  });

  it('ignores parsed flags that are not settings', () => {
    const { config } = loadConfig({ env: {}, flags: { help: true, verbose: 'yes', port: '8080' } });
    assert.equal(config.port, 8080);
  });

  it('returns a fresh object each time', () => {
    const a = loadConfig({ env: {} }).config;
    a.auth.admin_users.push('eve');
    assert.deepEqual(loadConfig({ env: {} }).config.auth.admin_users, []);
  });
});
