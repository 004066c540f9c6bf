// The notebook catalog end to end, as a system user on the real Slurm cluster, in Chromium:
// hpchub-alice finds the U-Net collection (a local git repository the hub clones) on the
// Notebooks page and opens it; its files appear in her home, owned by her; the spawn form comes
// filled in with the collection's app and resources; she starts JupyterLab, which opens the
// notebook. She edits the notebook, the collection changes; opening it again keeps her edit,
// adds the new file and says so, in the running server. A hostile collection (a link to
// /etc/shadow, a link to /etc, an oversized file) copies nothing it must not, and a target folder
// that is a link to another user's home is refused, that home unchanged.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { cancelJobs, hubJobIds, jobOf, queue, startSlurmHub } from '../spawn/slurm/test-support.js';
import { launchChromium, openPage, type PageWatch, screenshots, signIn } from '../test-support/chromium.js';
import type { TestHub } from '../test-support/hub.js';
import { testSystemUser, testSystemUsers } from '../test-support/system-users.js';

const users = testSystemUsers();
const alice = testSystemUser(users, 'hpchub-alice');
const bob = testSystemUser(users, 'hpchub-bob');

const notebook = (text: string) =>
  JSON.stringify({
    cells: [{ cell_type: 'markdown', metadata: {}, source: [text] }],
    metadata: {},
    nbformat: 4,
    nbformat_minor: 5,
  });

/** JupyterLab shows the notebook: its panel, with the markdown cell rendered. */
async function inNotebook(page: Page, heading: string): Promise<void> {
  await page.locator('.jp-NotebookPanel').first().waitFor({ timeout: 120_000 });
  await page
    .locator('.jp-RenderedMarkdown h1', { hasText: heading })
    .first()
    .waitFor({ state: 'attached', timeout: 60_000 });
}

function asAlice(command: string): string {
  return execFileSync('runuser', ['-u', alice.name, '--', 'sh', '-c', command], {
    encoding: 'utf8',
    cwd: '/',
  });
}

describe('notebook collections on Slurm, in Chromium', () => {
  let dir: string;
  let repo: string;
  let hub: TestHub;
  let chromium: Browser;
  let context: BrowserContext;
  let page: Page;
  let watch: PageWatch;
  const mine = (rel: string) => join(alice.home, 'notebooks', rel);
  const git = (...args: string[]) => execFileSync('git', ['-C', repo, ...args], { stdio: 'ignore' });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hpchub-notebooks-'));
    chmodSync(dir, 0o755);
    repo = join(dir, 'unet');
    mkdirSync(join(repo, 'data'), { recursive: true });
    writeFileSync(join(repo, 'start.ipynb'), notebook('# U-Net, version 1'));
    writeFileSync(join(repo, 'data', 'readme.md'), 'training data goes here\n');
    execFileSync('git', ['init', '--quiet', repo]);
    git('-c', 'user.name=site', '-c', 'user.email=site@example.org', 'add', '.');
    git('-c', 'user.name=site', '-c', 'user.email=site@example.org', 'commit', '--quiet', '-m', 'v1');

    const hostile = join(dir, 'hostile');
    mkdirSync(hostile);
    writeFileSync(join(hostile, 'ok.ipynb'), notebook('fine'));
    symlinkSync('/etc/shadow', join(hostile, 'shadow'));
    symlinkSync('/etc', join(hostile, 'etc'));
    writeFileSync(join(hostile, 'big.bin'), Buffer.alloc(2 * 1024 * 1024));
    execFileSync('chmod', ['-R', 'a+rX', dir]);

    const cache = join(dir, 'cache');
    writeFileSync(
      join(dir, 'notebooks.yaml'),
      [
        '- id: unet',
        '  title: U-Net segmentation',
        '  description: Segment cell images with a U-Net, step by step.',
        '  tags: [deep-learning, imaging]',
        `  source: { git: ${repo} }`,
        '  open: start.ipynb',
        '  app: jupyterlab',
        '  options: { partition: normal, cores: 1, memory_gb: 2, hours: 1 }',
        '- id: hostile',
        '  title: Workshop material',
        '  description: A collection with links and a large file in it.',
        '  tags: [workshop]',
        `  source: { dir: ${hostile} }`,
        '  app: jupyterlab',
        '- id: plain',
        '  title: Plain notebooks',
        `  source: { dir: ${hostile} }`,
        '  app: jupyterlab',
      ].join('\n'),
    );
    rmSync(mine(''), { recursive: true, force: true });
    hub = await startSlurmHub((c) => {
      c.notebooks.file = join(dir, 'notebooks.yaml');
      c.notebooks.cache_dir = cache;
      c.notebooks.max_file_mb = 1;
    });
    chromium = await launchChromium();
    ({ context, page, watch } = await openPage(chromium));
    await signIn(page, hub.url, alice.name, alice.password);
  });
  after(async () => {
    await chromium?.close();
    if (hub) {
      await cancelJobs(await hubJobIds(hub));
      await hub.stop();
    }
    rmSync(mine(''), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  test('open from the catalog → her files → the form with the collection’s resources → JupyterLab on the notebook', async () => {
    await page.goto(`${hub.url}/hub/notebooks`);
    assert.deepEqual(await page.locator('.collection h2').allTextContents(), [
      'U-Net segmentation',
      'Workshop material',
      'Plain notebooks',
    ]);
    await page.getByLabel('Search').fill('cell images');
    await page.getByRole('button', { name: 'Search' }).click();
    assert.deepEqual(await page.locator('.collection h2').allTextContents(), ['U-Net segmentation']);
    await page.goto(`${hub.url}/hub/notebooks`);
    await screenshots(page, 'notebooks');
    await page.locator('.collection a.badge', { hasText: 'workshop' }).first().click();
    assert.deepEqual(await page.locator('.collection h2').allTextContents(), ['Workshop material']);

    await page.goto(`${hub.url}/hub/notebooks`);
    await page.getByRole('link', { name: 'Open U-Net segmentation' }).click();
    await page.waitForURL('**/hub/spawn/hpchub-alice?collection=unet*');
    await page.getByText('Filled in with what “U-Net segmentation” needs.').waitFor();
    assert.equal(await page.getByLabel('Total memory (GB)').inputValue(), '2');
    for (const rel of ['unet', 'unet/start.ipynb', 'unet/data/readme.md']) {
      assert.equal(statSync(mine(rel)).uid, alice.uid, `${rel} is hers`);
    }
    assert.match(readFileSync(mine('unet/start.ipynb'), 'utf8'), /version 1/);

    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.waitForURL('**/user/hpchub-alice/lab/tree/notebooks/unet/start.ipynb', { timeout: 180_000 });
    await inNotebook(page, 'U-Net, version 1');
    const job = await jobOf(hub, '');
    assert.equal((await queue()).find((j) => j.id === job)?.user, alice.name);
    const row = await hub.hub.db.selectFrom('servers').select('options').executeTakeFirstOrThrow();
    assert.equal((JSON.parse(row.options) as { memory_gb: number }).memory_gb, 2);
  });

  test('opened again: her edit kept and said so, the new file added, in the running server', async () => {
    asAlice(`printf '%s' '${notebook('# my own notes')}' > ${mine('unet/start.ipynb')}`);
    writeFileSync(join(repo, 'start.ipynb'), notebook('# U-Net, version 2'));
    writeFileSync(join(repo, 'evaluate.ipynb'), notebook('# Evaluate the model'));
    git('-c', 'user.name=site', '-c', 'user.email=site@example.org', 'add', '.');
    git('-c', 'user.name=site', '-c', 'user.email=site@example.org', 'commit', '--quiet', '-m', 'v2');

    // JupyterLab stays open in its tab (leaving it would ask "leave the page?"); a new tab opens the link.
    page = await context.newPage();
    await page.goto(`${hub.url}/hub/notebooks/unet/open`);
    await page.getByText('Kept your version of notebooks/unet/start.ipynb').waitFor();
    assert.match(readFileSync(mine('unet/start.ipynb'), 'utf8'), /my own notes/);
    assert.match(readFileSync(mine('unet/evaluate.ipynb'), 'utf8'), /Evaluate the model/);
    assert.equal(statSync(mine('unet/evaluate.ipynb')).uid, alice.uid);
    await page.getByRole('link', { name: 'Continue' }).click();
    await page.waitForURL('**/user/hpchub-alice/lab/tree/notebooks/unet/start.ipynb');
    await inNotebook(page, 'my own notes');
  });

  test('a hostile collection copies nothing it must not; a target linked to another home is refused', async () => {
    page = await context.newPage();
    await page.goto(`${hub.url}/hub/notebooks/hostile/open`);
    await page.getByText('Not copied: shadow — a symbolic link (not copied).').waitFor();
    await page.getByText('Not copied: etc — a symbolic link (not copied).').waitFor();
    await page.getByText('Not copied: big.bin — larger than 1 MB.').waitFor();
    assert.deepEqual(readdirSync(mine('hostile')).sort(), ['.hpchub-collection.json', 'ok.ipynb']);

    const bobsBefore = readdirSync(bob.home).sort();
    asAlice(`ln -s ${bob.home} ${mine('plain')}`);
    const refused = await page.goto(`${hub.url}/hub/notebooks/plain/open`);
    assert.equal(refused?.status(), 409);
    await page.getByText('~/notebooks/plain is a symbolic link').waitFor();
    assert.deepEqual(readdirSync(bob.home).sort(), bobsBefore);
    assert.deepEqual(watch.errors, []);
  });
});
