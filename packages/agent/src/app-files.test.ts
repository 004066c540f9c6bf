// The files an app's command names, written by the agent into the job's private directory:
// modes by kind, placeholders filled, fresh secrets, never outside the directory, never over
// something already there; and a spec whose file paths leave the directory is refused up front.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { AGENT_ENV } from '@hpchub/protocol';
import { writeAppFiles } from './app-files.js';
import type { PlaceholderValues } from './placeholders.js';
import { readSettings, SettingsError } from './settings.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function values(options: PlaceholderValues['options'] = {}): PlaceholderValues {
  const workdir = mkdtempSync(path.join(os.tmpdir(), 'hpchub-files-'));
  dirs.push(workdir);
  return { prefix: '/user/alice/rs/', token: 'T0KEN', workdir, user: 'alice', options, port: 4321 };
}
const mode = (p: string) => statSync(p).mode & 0o777;

test('each kind with its mode, placeholders filled, secrets fresh', async () => {
  const v = values();
  await writeAppFiles(
    [
      { path: '{workdir}/app', kind: 'directory' },
      {
        path: '{workdir}/app/conf',
        kind: 'file',
        content: 'dir={workdir}/app\nport={port}\nroot={prefix}\n',
      },
      { path: '{workdir}/app/helper', kind: 'executable', content: '#!/bin/sh\nexit 0\n' },
      { path: '{workdir}/app/key', kind: 'secret' },
      { path: '{workdir}/deep/er/key2', kind: 'secret' },
    ],
    v,
  );
  assert.equal(mode(`${v.workdir}/app`), 0o700);
  assert.equal(mode(`${v.workdir}/app/conf`), 0o600);
  assert.equal(
    readFileSync(`${v.workdir}/app/conf`, 'utf8'),
    `dir=${v.workdir}/app\nport=4321\nroot=/user/alice/rs/\n`,
  );
  assert.equal(mode(`${v.workdir}/app/helper`), 0o700);
  assert.equal(mode(`${v.workdir}/app/key`), 0o600);
  assert.equal(mode(`${v.workdir}/deep/er`), 0o700);
  const [a, b] = [
    readFileSync(`${v.workdir}/app/key`, 'utf8'),
    readFileSync(`${v.workdir}/deep/er/key2`, 'utf8'),
  ];
  assert.match(a, /^[0-9a-f]{64}\n$/);
  assert.notEqual(a, b);
});

test('a path that leaves the job’s directory, or a file already there, is an error', async () => {
  const v = values({ sub: '../../etc' });
  await assert.rejects(
    writeAppFiles([{ path: '{workdir}/{option:sub}/x', kind: 'file', content: '' }], v),
    /not a path inside/,
  );
  await assert.rejects(
    writeAppFiles([{ path: '{workdir}/a/../../x', kind: 'file', content: '' }], v),
    /not a path inside/,
  );
  writeFileSync(`${v.workdir}/there`, 'old');
  await assert.rejects(
    writeAppFiles([{ path: '{workdir}/there', kind: 'file', content: 'new' }], v),
    /EEXIST/,
  );
  assert.equal(readFileSync(`${v.workdir}/there`, 'utf8'), 'old');
});

test('a spec with such a path, or a placeholder the agent cannot fill in a file, is invalid', () => {
  const spec = {
    app: 'x',
    command: ['x'],
    env: {},
    listen: 'tcp',
    prefix: '/user/alice/',
    prefixMode: 'strip',
    readyPath: '/',
    appAuth: { kind: 'none' },
    startTimeoutSeconds: 10,
    options: {},
    files: [
      { path: '{workdir}/../escape', kind: 'file', content: '' },
      { path: '{workdir}/ok', kind: 'file', content: '{socket}' },
    ],
  };
  const env = {
    [AGENT_ENV.hubUrl]: 'http://127.0.0.1:1/hub/api/agent',
    [AGENT_ENV.secret]: 'a-secret-long-enough-1234',
    [AGENT_ENV.serverId]: '1',
    [AGENT_ENV.spec]: JSON.stringify(spec),
    HOME: '/tmp',
  };
  assert.throws(
    () => readSettings(env),
    (err: SettingsError) => {
      assert.ok(err instanceof SettingsError);
      assert.ok(
        err.problems.some((p) => /files\[0\]: .* is not a path inside the job's directory/.test(p)),
        err.problems.join('\n'),
      );
      assert.ok(
        err.problems.some((p) => /files\[1\]\.content: \{socket\}/.test(p)),
        err.problems.join('\n'),
      );
      return true;
    },
  );
});
