// The Notebooks page and the open link without a cluster: the catalog with search and tags, the
// spawn form filled in with what a collection needs, an unknown collection (404), and an account
// with no home on the cluster, which hears why nothing can be copied (and nothing is).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from '../test-support/hub.js';
import { type PagesScene, startPagesHub } from '../test-support/pages.js';

describe('the Notebooks page and the open link', () => {
  let dir: string;
  let scene: PagesScene;
  let alice: Browser;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hpchub-open-'));
    writeFileSync(
      join(dir, 'notebooks.yaml'),
      '- id: unet\n  title: U-Net segmentation\n  description: Cells.\n  tags: [imaging]\n' +
        `  source: { dir: ${dir} }\n  open: start.ipynb\n  app: jupyterlab\n` +
        '  options: { partition: short, cores: 1, memory_gb: 2, hours: 1 }\n' +
        `- id: intro\n  title: Introduction to Python\n  tags: [workshop]\n  source: { dir: ${dir} }\n  app: jupyterlab\n`,
    );
    scene = await startPagesHub({
      resources: true,
      configure: (c) => (c.notebooks.file = join(dir, 'notebooks.yaml')),
    });
    await scene.hub.addUser('alice', { password: 'alice-password-1' });
    alice = await scene.hub.login('alice', 'alice-password-1');
  });
  after(async () => {
    await scene.hub.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const titles = (text: string) => [...text.matchAll(/<h2>([^<]+)<\/h2>/g)].map((m) => m[1]);

  test('lists the collections, searched by words and filtered by tag, each with its link', async () => {
    const all = await alice.get('/hub/notebooks');
    assert.deepEqual(titles(all.text), ['U-Net segmentation', 'Introduction to Python']);
    assert.match(all.text, new RegExp(`value="${scene.hub.url}/hub/notebooks/unet/open"`));
    assert.match(all.text, /JupyterLab · 1 core · 2 GB · 1 h · partition short/);
    assert.deepEqual(titles((await alice.get('/hub/notebooks?q=python')).text), ['Introduction to Python']);
    assert.deepEqual(titles((await alice.get('/hub/notebooks?tag=imaging')).text), ['U-Net segmentation']);
    assert.match((await alice.get('/hub/notebooks?q=nothing-like-this')).text, /No collection matches\./);
  });

  test('the spawn form comes filled in with what the collection needs', async () => {
    const form = await alice.get('/hub/spawn/alice?collection=unet');
    assert.match(form.text, /Filled in with what “U-Net segmentation” needs\./);
    assert.match(form.text, /<option value="short" selected>/);
    assert.equal((await alice.get('/hub/spawn/alice?collection=nope')).status, 404);
  });

  test('an unknown collection is a 404; an account without a home on the cluster hears why', async () => {
    assert.equal((await alice.get('/hub/notebooks/nope/open')).status, 404);
    const refused = await alice.get('/hub/notebooks/unet/open');
    assert.equal(refused.status, 403);
    assert.match(refused.text, /copied into your home on the cluster, and this account has none/);
    const anonymous = await fetch(`${scene.hub.url}/hub/notebooks/unet/open`, {
      redirect: 'manual',
      headers: { accept: 'text/html' },
    });
    assert.equal(anonymous.status, 302);
    assert.match(
      anonymous.headers.get('location') ?? '',
      /^\/hub\/login\?next=%2Fhub%2Fnotebooks%2Funet%2Fopen/,
    );
  });
});
