// Presets: alice saves the spawn form's values under a name, starts from the preset with one
// click (the values go through the normal start, so limits apply), opens it in the form to change
// it, and deletes it; the site's presets (presets.file) are shown to everyone and cannot be
// deleted; values the form refuses are never saved; nobody sees or deletes another's presets.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { PresetModel } from '@hpchub/protocol';
import type { Browser } from '../test-support/hub.js';
import { type PagesScene, serverIdOf, startPagesHub } from '../test-support/pages.js';

const SITE_PRESETS = `
- id: course
  title: Course (1 core)
  description: What the Monday course uses.
  app: jupyterlab
  options: { partition: short, cores: 1, memory_gb: 1, hours: 1 }
`;

describe('presets', () => {
  let scene: PagesScene;
  let dir: string;
  let alice: Browser;
  let aliceToken: string;
  let bobToken: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hpchub-presets-'));
    writeFileSync(join(dir, 'presets.yaml'), SITE_PRESETS);
    scene = await startPagesHub({
      resources: true,
      configure: (c) => {
        c.presets.file = join(dir, 'presets.yaml');
      },
    });
    await scene.hub.addUser('alice', { password: 'alice-password-1' });
    await scene.hub.addUser('bob', { password: 'bob-password-1' });
    alice = await scene.hub.login('alice', 'alice-password-1');
    aliceToken = await scene.hub.tokenFor('alice', ['self']);
    bobToken = await scene.hub.tokenFor('bob', ['self']);
  });
  after(async () => {
    await scene.hub.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const list = async (user: string, token: string) =>
    (await scene.hub.api<PresetModel[]>('GET', `/users/${user}/presets`, { token })).body;

  test('saved from the spawn form, listed after the site’s, started with one click through the normal start', async () => {
    const xsrf = await alice.csrfToken();
    const form = {
      _xsrf: xsrf,
      form_app: 'jupyterlab',
      app: 'jupyterlab',
      partition: 'normal',
      cores: '8',
      memory_gb: '32',
      hours: '2',
      custom_script: '',
      preset_name: 'GPU analysis',
    };
    const saved = await alice.postForm('/hub/spawn/alice', { ...form, intent: 'save-preset' });
    assert.equal(saved.status, 303, saved.text);
    assert.equal(saved.headers.get('location'), '/hub/home?saved=GPU+analysis#presets');
    assert.equal(
      await scene.hub.hub.db.selectFrom('servers').select('id').executeTakeFirst(),
      undefined,
      'nothing started',
    );

    const presets = await list('alice', aliceToken);
    assert.deepEqual(
      presets.map((p) => [p.id.startsWith('site:') ? p.id : 'own', p.title, p.site]),
      [
        ['site:course', 'Course (1 core)', true],
        ['own', 'GPU analysis', false],
      ],
    );
    const own = presets[1] as PresetModel;
    assert.deepEqual(own.options, {
      app: 'jupyterlab',
      partition: 'normal',
      cores: 8,
      memory_gb: 32,
      hours: 2,
      custom_script: '.jupyterlabrc',
    });

    const home = await alice.get('/hub/home?saved=GPU%20analysis');
    assert.match(home.text, /Preset “GPU analysis” saved\./);
    assert.match(home.text, /<strong>GPU analysis<\/strong>/);
    assert.match(home.text, /8 cores · 32 GB · 2 h · partition normal/);
    // The one-click Start: the home page's form for this preset, posted as the browser would.
    const start =
      /<form class="inline" method="post" action="\/hub\/spawn\/alice">([\s\S]*?)aria-label="Start GPU analysis"/.exec(
        home.text,
      )?.[1] ?? '';
    const fields = Object.fromEntries(
      [...start.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1], m[2]]),
    );
    assert.deepEqual(fields, {
      _xsrf: xsrf,
      form_app: 'jupyterlab',
      app: 'jupyterlab',
      partition: 'normal',
      cores: '8',
      memory_gb: '32',
      hours: '2',
      custom_script: '.jupyterlabrc',
    });
    const started = await alice.postForm('/hub/spawn/alice', fields as Record<string, string>);
    assert.equal(started.status, 303);
    assert.equal(started.headers.get('location'), '/hub/spawn-pending/alice');
    const row = await scene.hub.hub.db
      .selectFrom('servers')
      .select('options')
      .where('id', '=', await serverIdOf(scene.hub, 'alice'))
      .executeTakeFirstOrThrow();
    assert.deepEqual(JSON.parse(row.options), {
      app: 'jupyterlab',
      partition: 'normal',
      cores: 8,
      memory_gb: 32,
      hours: 2,
      custom_script: '.jupyterlabrc',
    });
    assert.equal((await scene.hub.api('DELETE', '/users/alice/server', { token: aliceToken })).status, 204);
  });

  test('opened in the form with its values; values the form refuses are not saved', async () => {
    const own = (await list('alice', aliceToken)).find((p) => !p.site) as PresetModel;
    const form = await alice.get(`/hub/spawn/alice?preset=${own.id}`);
    assert.equal(form.status, 200);
    assert.match(form.text, /Filled in from the preset “GPU analysis”\./);
    assert.match(form.text, /name="cores"[^>]*value="8"/);
    const site = await alice.get('/hub/spawn/alice?preset=site%3Acourse');
    assert.match(site.text, /Filled in from the preset “Course \(1 core\)”\./);
    assert.equal((await alice.get('/hub/spawn/alice?preset=999')).status, 404);

    const tooMany = await scene.hub.api<{ validations: { field: string }[] }>(
      'POST',
      '/users/alice/presets',
      {
        token: aliceToken,
        body: {
          name: 'Too big',
          user_options: { app: 'jupyterlab', partition: 'short', cores: 4, memory_gb: 1, hours: 1 },
        },
      },
    );
    assert.equal(tooMany.status, 400);
    assert.deepEqual(
      tooMany.body.validations.map((v) => v.field),
      ['cores'],
    );
    const unnamed = await alice.postForm('/hub/spawn/alice', {
      _xsrf: await alice.csrfToken(),
      form_app: 'jupyterlab',
      app: 'jupyterlab',
      partition: 'short',
      cores: '1',
      intent: 'save-preset',
      preset_name: ' ',
    });
    assert.equal(unnamed.status, 400);
    assert.match(unnamed.text, /Give the preset a name\./);
    assert.equal((await list('alice', aliceToken)).length, 2, 'nothing more was saved');
  });

  test('site presets are shown to everyone; nobody sees or deletes another’s; deleting one’s own', async () => {
    assert.deepEqual(
      (await list('bob', bobToken)).map((p) => p.id),
      ['site:course'],
    );
    const own = (await list('alice', aliceToken)).find((p) => !p.site) as PresetModel;
    assert.equal((await scene.hub.api('GET', '/users/alice/presets', { token: bobToken })).status, 404);
    assert.equal(
      (await scene.hub.api('DELETE', `/users/alice/presets/${own.id}`, { token: bobToken })).status,
      404,
    );
    assert.equal(
      (await scene.hub.api('DELETE', `/users/bob/presets/${own.id}`, { token: bobToken })).status,
      404,
    );
    assert.equal(
      (await scene.hub.api('DELETE', '/users/alice/presets/site:course', { token: aliceToken })).status,
      404,
    );

    const deleted = await alice.postForm('/hub/presets/alice/delete', {
      _xsrf: await alice.csrfToken(),
      preset: own.id,
    });
    assert.equal(deleted.status, 303);
    assert.deepEqual(
      (await list('alice', aliceToken)).map((p) => p.id),
      ['site:course'],
    );
    const home = await alice.get('/hub/home');
    assert.doesNotMatch(home.text, /GPU analysis/);
    assert.match(home.text, /Course \(1 core\)/);
  });
});
