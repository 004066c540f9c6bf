// "Other software" and "Start again" in Chromium, with the real Lmod and the test module tree
// behind the suggestions and a fake spawner for the jobs: the field suggests the listed modules
// for each name being typed, a start with two modules records them and the next form shows
// them; "Start again" on an ended server opens exactly its app, resources and modules, even
// after another app was started with other choices since.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openSignedIn, type PageWatch, screenshots } from '../../test-support/chromium.js';
import { type TestModuleTree, writeTestModuleTree } from '../../test-support/modules.js';
import { agentOf, type PagesScene, startPagesHub } from '../../test-support/pages.js';

describe('"Other software" and "Start again" in Chromium', () => {
  let tree: TestModuleTree;
  let scene: PagesScene;
  let chromium: Browser;
  let page: Page;
  let watch: PageWatch;

  before(async () => {
    tree = writeTestModuleTree();
    scene = await startPagesHub({ behaviour: 'instant', resources: true, moduleTree: tree.dir });
    await scene.hub.addUser('alice', { password: 'alice-password-1' });
    chromium = await launchChromium();
    ({ page, watch } = await openSignedIn(chromium, scene.hub.url, 'alice', 'alice-password-1'));
  });
  after(async () => {
    await chromium?.close();
    await scene?.hub.stop();
    tree?.cleanup();
  });

  /** The values the datalist offers now. */
  const suggestions = () =>
    page
      .locator('#f-modules-list option')
      .evaluateAll((options) => options.map((o) => (o as unknown as { value: string }).value));
  const startButton = () => page.getByRole('button', { name: 'Start', exact: true });

  /** Starts the server the form is for, lets the fake agent report ready, then stops it from home. */
  async function startAndStop(server: string): Promise<void> {
    await startButton().click();
    await page.waitForURL(`**/hub/spawn-pending/alice${server ? `/${server}` : ''}`);
    await (await agentOf(scene, 'alice', server)).ready();
    await page.waitForURL(`**/user/alice/${server ? `${server}/` : ''}`);
    await page.goto(`${scene.hub.url}/hub/home`);
    const card = page.locator('.server-card', { hasText: server || 'default' });
    await card.getByRole('button', { name: 'Stop' }).click();
    await page.locator(`.ended-row[data-server="${server || 'default'}"]`).waitFor();
  }

  test('the field suggests the listed modules for the name being typed', async () => {
    await page.goto(`${scene.hub.url}/hub/spawn/alice`);
    const field = page.getByLabel('Other software');
    assert.equal(await field.inputValue(), '');
    assert.match(
      (await page.locator('#f-modules-hint').textContent()) ?? '',
      /separated by spaces, like gcc\/12\.2\.0 python\/3\.11\.6/,
    );
    // Typing the start of a name: the modules that contain it, as the whole new value.
    await field.pressSequentially('hpchub-test');
    assert.deepEqual(await suggestions(), [tree.a.name, tree.b.name, tree.broken]);
    await field.fill('');
    await field.pressSequentially(`${tree.a.name} test-b/`);
    assert.deepEqual(await suggestions(), [`${tree.a.name} ${tree.b.name}`]);
    // A name already chosen is not offered again.
    await field.fill('');
    await field.pressSequentially(`${tree.a.name} hpchub`);
    assert.deepEqual(await suggestions(), [`${tree.a.name} ${tree.b.name}`, `${tree.a.name} ${tree.broken}`]);
    // The list of what the cluster has, readable without scripts.
    await page.getByText(/Modules on this cluster/).click();
    await page.locator('.module-list li', { hasText: tree.b.name }).waitFor();
    await screenshots(page, 'spawn-other-software');
  });

  test('a start with two modules; the next form shows them', async () => {
    await page.goto(`${scene.hub.url}/hub/spawn/alice`);
    await page.getByLabel('Partition').selectOption('normal');
    await page.getByLabel('Number of cores').fill('3');
    await page.getByLabel('Other software').fill(`${tree.a.name} ${tree.b.name}`);
    await startAndStop('');
    const options = await scene.hub.hub.db
      .selectFrom('servers')
      .select('options')
      .where('name', '=', '')
      .executeTakeFirstOrThrow();
    assert.equal(JSON.parse(options.options).modules, `${tree.a.name} ${tree.b.name}`);
    await page.goto(`${scene.hub.url}/hub/spawn/alice`);
    assert.equal(await page.getByLabel('Other software').inputValue(), `${tree.a.name} ${tree.b.name}`);
    assert.equal(await page.getByLabel('Number of cores').inputValue(), '3');
    await page.getByText('Filled in with your choices from the last time you started JupyterLab.').waitFor();
  });

  test('a module the cluster does not have is refused for the field, with the hub’s message', async () => {
    await page.goto(`${scene.hub.url}/hub/spawn/alice`);
    await page.getByLabel('Other software').fill(`${tree.a.name} hpchub-no-such/1.0`);
    await startButton().click();
    await page.locator('#f-modules-error').waitFor();
    assert.equal(
      await page.locator('#f-modules-error').textContent(),
      '"hpchub-no-such/1.0" is not a module this cluster has (`module avail` lists them).',
    );
    assert.equal(await page.evaluate('document.activeElement?.id'), 'form-errors');
    assert.equal(await page.getByLabel('Other software').inputValue(), `${tree.a.name} hpchub-no-such/1.0`);
    await screenshots(page, 'spawn-other-software-error');
  });

  test('"Start again" reopens the exact app, resources and modules of that server', async () => {
    // A TensorBoard server with its own choices…
    await page.goto(`${scene.hub.url}/hub/spawn/alice/board?app=tensorboard`);
    await page.getByLabel('Partition').selectOption('short');
    await page.getByLabel('Number of cores').fill('1');
    await page.getByLabel('Total memory (GB)').fill('1');
    await page.getByLabel('Run time (hours)').fill('1');
    await page.getByLabel('Other software').fill(tree.b.name);
    await startAndStop('board');
    // …then JupyterLab, the first app, with others.
    await page.goto(`${scene.hub.url}/hub/spawn/alice`);
    await page.getByLabel('Partition').selectOption('normal');
    await page.getByLabel('Number of cores').fill('8');
    await page.getByLabel('Other software').fill(tree.a.name);
    await startAndStop('');
    await screenshots(page, 'home-ended');

    await page.locator('.ended-row[data-server="board"]').getByRole('link', { name: 'Start again' }).click();
    await page.waitForURL('**/hub/spawn/alice/board?again=1');
    assert.equal(await page.locator('input[name="app"]:checked').getAttribute('value'), 'tensorboard');
    await page.getByText('Filled in with the settings server board last started with.').waitFor();
    assert.equal(await page.getByLabel('Partition').inputValue(), 'short');
    assert.equal(await page.getByLabel('Number of cores').inputValue(), '1');
    assert.equal(await page.getByLabel('Total memory (GB)').inputValue(), '1');
    assert.equal(await page.getByLabel('Run time (hours)').inputValue(), '1');
    assert.equal(await page.getByLabel('Other software').inputValue(), tree.b.name);
    // The limits follow the partition shown, as for any form.
    assert.equal(await page.getByLabel('Number of cores').getAttribute('max'), '1');
    await screenshots(page, 'spawn-start-again');

    // The default server's "Start again": JupyterLab with its own settings.
    await page.goto(`${scene.hub.url}/hub/home`);
    await page
      .locator('.ended-row[data-server="default"]')
      .getByRole('link', { name: 'Start again' })
      .click();
    await page.waitForURL('**/hub/spawn/alice?again=1');
    assert.equal(await page.locator('input[name="app"]:checked').getAttribute('value'), 'jupyterlab');
    assert.equal(await page.getByLabel('Number of cores').inputValue(), '8');
    assert.equal(await page.getByLabel('Other software').inputValue(), tree.a.name);
    // And starting it again starts exactly that.
    await startAndStop('');
    const row = await scene.hub.hub.db
      .selectFrom('servers')
      .select(['app', 'options'])
      .where('name', '=', '')
      .executeTakeFirstOrThrow();
    assert.equal(row.app, 'jupyterlab');
    assert.deepEqual(JSON.parse(row.options), {
      app: 'jupyterlab',
      partition: 'normal',
      cores: 8,
      memory_gb: 4,
      hours: 4,
      custom_script: '.jupyterlabrc',
      modules: tree.a.name,
    });
  });

  test('nothing on these pages broke the CSP, raised a dialog or threw', () => {
    assert.deepEqual(watch, { dialogs: [], cspViolations: [], errors: [] });
  });
});
