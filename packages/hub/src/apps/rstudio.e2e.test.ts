// RStudio Server cannot run here (neither it nor Apptainer is in any registry we reach), so this
// checks everything up to the moment it would: a real job (local spawner, as hpchub-alice, the
// real agent) launches RStudio's definition with a probe in Apptainer's place on PATH. The probe
// records the command line it was given, a copy of the job's directory as it is at that moment
// and the password the agent set, then exits. Each requirement of docs/apps.md's RStudio list
// (rows R1…) has a check here, and the two lists must match; the auth helper the job wrote is
// run for real, as the user, with the right and wrong credentials.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ServerModel } from '@hpchub/protocol';
import type { ProgressEvent } from '../spawn/progress.js';
import { readEvents, TestHub } from '../test-support/hub.js';
import { testSystemUser, testSystemUsers } from '../test-support/system-users.js';
import { BUILTIN_APPS } from './builtins.js';

const alice = testSystemUser(testSystemUsers(), 'hpchub-alice');
const DOC = new URL('../../../../docs/apps.md', import.meta.url);

/** What the job handed to Apptainer. */
interface Launch {
  /** `apptainer` arguments before the image, the image, and rserver's arguments. */
  apptainer: string[];
  image: string;
  rserver: string[];
  /** rserver's `--name=value` options. */
  options: Map<string, string>;
  /** The job's directory (the --bind argument) and its copy as it was when rserver would start. */
  workdir: string;
  copy: string;
  password: string;
  prefix: string;
}

/** The copy's path for a path in the job's directory. */
const inCopy = (l: Launch, path: string) => {
  assert.ok(path.startsWith(`${l.workdir}/`), `${path} is not in the job's directory ${l.workdir}`);
  return join(l.copy, path.slice(l.workdir.length + 1));
};
const mode = (path: string) => statSync(path).mode & 0o777;
const option = (l: Launch, name: string) => {
  const value = l.options.get(name);
  assert.ok(value !== undefined, `rserver is not given --${name}`);
  return value;
};

/** Runs the auth helper the job wrote, as alice, the way rserver would. */
function helper(l: Launch, user: string, password: string, env: Record<string, string>): number | null {
  const path = inCopy(l, option(l, 'auth-pam-helper-path'));
  return spawnSync(
    'runuser',
    [
      '-u',
      alice.name,
      '--',
      'env',
      '-i',
      'PATH=/usr/bin:/bin',
      ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
      path,
      user,
    ],
    {
      input: `${password}\n`,
      cwd: '/',
    },
  ).status;
}

/** One check per requirement of docs/apps.md, by its id. */
const CHECKS: Record<string, (l: Launch) => void> = {
  R1: (l) => {
    assert.equal(option(l, 'server-user'), alice.name);
    assert.equal(option(l, 'server-daemonize'), '0');
  },
  R2: (l) => {
    const dir = inCopy(l, option(l, 'server-data-dir'));
    assert.ok(statSync(dir).isDirectory());
    assert.equal(mode(dir), 0o700);
  },
  R3: (l) => {
    const pid = option(l, 'server-pid-file');
    assert.ok(statSync(inCopy(l, pid.slice(0, pid.lastIndexOf('/')))).isDirectory(), 'its directory exists');
  },
  R4: (l) => {
    const conf = inCopy(l, option(l, 'database-config-file'));
    assert.equal(mode(conf), 0o600);
    const lines = readFileSync(conf, 'utf8').trim().split('\n');
    assert.ok(lines.includes('provider=sqlite'), lines.join('\n'));
    const directory = lines.find((x) => x.startsWith('directory='))?.slice('directory='.length) ?? '';
    assert.ok(statSync(inCopy(l, directory)).isDirectory(), `${directory} exists`);
    assert.equal(mode(inCopy(l, directory)), 0o700);
  },
  R5: (l) => {
    const key = inCopy(l, option(l, 'secure-cookie-key-file'));
    assert.equal(mode(key), 0o600);
    assert.match(readFileSync(key, 'utf8'), /^[0-9a-f]{64}\n$/);
  },
  R6: (l) => {
    assert.equal(option(l, 'auth-none'), '0');
    assert.equal(mode(inCopy(l, option(l, 'auth-pam-helper-path'))), 0o700);
    const env = { RSTUDIO_PASSWORD: l.password };
    assert.equal(helper(l, alice.name, l.password, env), 0, 'the job’s user with the agent’s password');
    assert.equal(helper(l, alice.name, `${l.password}x`, env), 1, 'a wrong password');
    assert.equal(helper(l, 'hpchub-bob', l.password, env), 1, 'another user');
    assert.equal(helper(l, alice.name, '', { RSTUDIO_PASSWORD: '' }), 1, 'no password set');
    assert.equal(option(l, 'auth-encrypt-password'), '0');
    assert.match(l.password, /^[A-Za-z0-9_-]{32,}$/, 'a random per-job password');
  },
  R7: (l) => {
    assert.equal(option(l, 'www-address'), '127.0.0.1');
    assert.match(option(l, 'www-port'), /^[1-9][0-9]{1,4}$/);
  },
  R8: (l) => assert.equal(option(l, 'www-root-path'), l.prefix),
  R9: (l) => {
    // Upgrades take the agent's path for apps whose prefix it strips, which code-server's
    // WebSocket exercises end to end (spawn/local/apps.e2e.test.ts); rserver is told the public
    // path, so the WebSocket URLs the browser opens carry it.
    assert.equal(BUILTIN_APPS.find((a) => a.id === 'rstudio')?.prefix, 'strip');
    assert.equal(BUILTIN_APPS.find((a) => a.id === 'code-server')?.prefix, 'strip');
    assert.equal(option(l, 'www-root-path'), l.prefix);
  },
  R10: (l) => {
    const binds = l.apptainer.flatMap((a, i) => (l.apptainer[i - 1] === '--bind' ? [a] : []));
    assert.deepEqual(binds, [l.workdir], 'the job’s directory is bound at its own path');
    for (const name of [
      'server-data-dir',
      'server-pid-file',
      'database-config-file',
      'secure-cookie-key-file',
      'auth-pam-helper-path',
    ])
      inCopy(l, option(l, name));
    assert.ok(
      !l.rserver.some((a) => a.includes('/var/')),
      'nothing under /var, which the image has read-only',
    );
  },
};

/** The requirement ids of docs/apps.md's RStudio table. */
function documentedRequirements(): string[] {
  const text = readFileSync(DOC, 'utf8');
  return [...text.matchAll(/^\| (R\d+) \|/gm)].map((m) => m[1] as string);
}

describe('RStudio Server: what the job gives rserver, against the requirements in docs/apps.md', () => {
  let hub: TestHub;
  let scratch: string;
  let launch: Launch;

  before(async () => {
    scratch = mkdtempSync('/tmp/hpchub-rstudio-');
    chmodSync(scratch, 0o755);
    const bin = join(scratch, 'bin');
    const capture = join(scratch, 'capture');
    mkdirSync(bin, { mode: 0o755 });
    mkdirSync(capture, { mode: 0o700 });
    chownSync(capture, alice.uid, -1);
    // Apptainer's stand-in: records its argv (NUL-separated), copies the bound job directory as it
    // is now (modes kept), and the password the agent set for rserver; then fails, like an image
    // that is missing.
    writeFileSync(
      join(bin, 'apptainer'),
      [
        '#!/bin/sh',
        `out='${capture}'`,
        'for a in "$@"; do printf "%s\\0" "$a"; done >"$out/argv"',
        'while [ "$#" -gt 0 ]; do',
        '  if [ "$1" = --bind ]; then cp -a "$2" "$out/workdir"; printf "%s" "$2" >"$out/workdir-path"; break; fi',
        '  shift',
        'done',
        'printf "%s" "$RSTUDIO_PASSWORD" >"$out/password"',
        'exit 3',
        '',
      ].join('\n'),
    );
    chmodSync(join(bin, 'apptainer'), 0o755);

    hub = await TestHub.start({
      configure: (c) => {
        c.auth.authenticator = 'pam';
        c.spawner.poll_interval_seconds = 1;
        c.spawner.path_prepend = [bin];
      },
    });
    await hub.addUser(alice.name);
    const token = await hub.tokenFor(alice.name, ['self']);
    const started = await hub.api<ServerModel>('POST', `/users/${alice.name}/servers/rs`, {
      token,
      body: { user_options: { app: 'rstudio' } },
    });
    assert.equal(started.status, 202, started.text);
    const events = await readEvents<ProgressEvent>(
      `${hub.url}${started.body.progress_url}`,
      { authorization: `token ${token}` },
      { timeoutMs: 60_000 },
    );
    // The stand-in exits 3: the start fails, saying so.
    assert.match(
      events.at(-1)?.message ?? '',
      /rstudio exited with code 3/,
      JSON.stringify(events.map((e) => e.message)),
    );

    const argv = readFileSync(join(capture, 'argv'), 'utf8').split('\0').slice(0, -1);
    const rserverAt = argv.indexOf('rserver');
    assert.ok(rserverAt > 1, argv.join(' '));
    const rserver = argv.slice(rserverAt + 1);
    launch = {
      apptainer: argv.slice(0, rserverAt - 1),
      image: argv[rserverAt - 1] as string,
      rserver,
      options: new Map(
        rserver
          .map((a) => /^--([a-z-]+)=(.*)$/s.exec(a))
          .flatMap((m) => (m ? [[m[1] as string, m[2] as string]] : [])),
      ),
      workdir: readFileSync(join(capture, 'workdir-path'), 'utf8'),
      copy: join(capture, 'workdir'),
      password: readFileSync(join(capture, 'password'), 'utf8'),
      prefix: `/user/${alice.name}/rs/`,
    };
  });
  after(async () => {
    await hub?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
    rmSync(join(alice.home, '.hpchub', 'logs', 'rs.log'), { force: true });
  });

  test('docs/apps.md lists the requirements this test checks, no more and no fewer', () => {
    assert.deepEqual(documentedRequirements(), Object.keys(CHECKS));
  });

  for (const [id, check] of Object.entries(CHECKS)) test(`requirement ${id}`, () => check(launch));

  test('rserver runs from the site’s image, with every option given exactly once', () => {
    assert.deepEqual(launch.apptainer, ['exec', '--bind', launch.workdir]);
    assert.equal(launch.image, '/opt/apps/rstudio.sif');
    assert.equal(launch.options.size, launch.rserver.length, launch.rserver.join(' '));
    // Nothing in the job's directory that the command does not name (besides what those name).
    assert.deepEqual(readdirSync(launch.copy).sort(), ['rstudio']);
    assert.deepEqual(readdirSync(join(launch.copy, 'rstudio')).sort(), [
      'auth-helper',
      'database.conf',
      'db',
      'run',
      'secure-cookie-key',
    ]);
  });
});
