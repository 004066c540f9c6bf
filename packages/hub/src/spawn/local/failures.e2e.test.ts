// Start failures with the real agent on the local spawner give messages a user can act on, on
// the progress stream: the app's binary is missing, the app exits at once, the app never answers.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { ServerModel } from '@hpchub/protocol';
import { stringify } from 'yaml';
import type { AppDefinition } from '../../apps/definition.js';
import { readEvents, TestHub } from '../../test-support/hub.js';
import type { ProgressEvent } from '../progress.js';

const base: Omit<AppDefinition, 'id' | 'title' | 'command'> = {
  description: 'a broken app for tests',
  icon: 'x.svg',
  env: {},
  listen: 'tcp',
  prefix: 'keep',
  ready_path: '/',
  app_auth: { kind: 'none' },
  modules: [],
  custom_script: '~/.brokenrc',
  fields: [],
  start_timeout_seconds: 3,
};

const BROKEN: AppDefinition[] = [
  { ...base, id: 'missing', title: 'Missing', command: ['hpchub-no-such-binary', '--port={port}'] },
  {
    ...base,
    id: 'exits',
    title: 'Exits',
    command: ['/bin/sh', '-c', 'echo "cannot open the licence file" >&2; exit 3'],
  },
  { ...base, id: 'silent', title: 'Silent', command: ['/bin/sleep', '600'] },
];

describe('start failures with the real agent', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hpchub-broken-apps-'));
  let hub: TestHub;
  let token: string;

  before(async () => {
    const file = join(dir, 'apps.yaml');
    writeFileSync(file, stringify(BROKEN));
    hub = await TestHub.start({
      configure: (c) => {
        c.apps.file = file;
        c.apps.enabled = ['missing', 'exits', 'silent'];
        c.spawner.poll_interval_seconds = 1;
      },
    });
    await hub.addUser('alice');
    token = await hub.tokenFor('alice');
  });
  after(async () => {
    await hub.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function startAndWatch(app: string): Promise<ProgressEvent> {
    const started = await hub.api<ServerModel>('POST', `/users/alice/servers/${app}`, {
      token,
      body: { user_options: { app } },
    });
    assert.equal(started.status, 202, started.text);
    const events = await readEvents<ProgressEvent>(
      `${hub.url}${started.body.progress_url}`,
      { authorization: `token ${token}` },
      { timeoutMs: 60_000 },
    );
    const last = events.at(-1);
    assert.ok(last?.failed, JSON.stringify(events));
    const row = await hub.hub.db
      .selectFrom('servers')
      .selectAll()
      .where('name', '=', app)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'stopped');
    assert.equal(row.end_reason, 'start_failure');
    return last;
  }

  test('a missing app binary is named, with the PATH it was looked for in', async () => {
    const last = await startAndWatch('missing');
    assert.match(last.message, /hpchub-no-such-binary/);
    assert.match(last.message, /PATH/);
  });

  test('an app that exits at once: its exit code and last output', async () => {
    const last = await startAndWatch('exits');
    assert.match(last.message, /3/);
    assert.match(last.message, /cannot open the licence file/);
  });

  test('an app that never answers: the start timeout, and the job is stopped', async () => {
    const last = await startAndWatch('silent');
    assert.match(last.message, /3 s|3 seconds/);
  });
});
