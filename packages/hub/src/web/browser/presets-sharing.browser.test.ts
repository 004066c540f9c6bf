// Presets and the share dialog in Chromium, with a fake spawner for the jobs: alice saves the
// form's values as a preset, starts from it with one click on the home page, and shares the
// running server with bob from its card ("Share…"), making a link too; bob opens the server;
// alice withdraws the share and bob's next visit is refused. Screenshots at laptop and phone
// size of the presets, the spawn form's "Save as preset" and the share dialog.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openSignedIn, type PageWatch, screenshots } from '../../test-support/chromium.js';
import { agentOf, type PagesScene, startPagesHub } from '../../test-support/pages.js';

describe('presets and sharing in Chromium', () => {
  let dir: string;
  let scene: PagesScene;
  let chromium: Browser;
  let page: Page;
  let watch: PageWatch;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'hpchub-presets-'));
    writeFileSync(
      join(dir, 'presets.yaml'),
      '- id: course\n  title: Course (1 core)\n  description: What the Monday course uses.\n  app: jupyterlab\n' +
        '  options: { partition: short, cores: 1, memory_gb: 1, hours: 1 }\n',
    );
    scene = await startPagesHub({
      behaviour: 'instant',
      resources: true,
      configure: (c) => {
        c.presets.file = join(dir, 'presets.yaml');
      },
    });
    await scene.hub.addUser('alice', { password: 'alice-password-1' });
    await scene.hub.addUser('bob', { password: 'bob-password-1' });
    chromium = await launchChromium();
    ({ page, watch } = await openSignedIn(chromium, scene.hub.url, 'alice', 'alice-password-1'));
  });
  after(async () => {
    await chromium?.close();
    await scene?.hub.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('save the form as a preset, then start from it with one click', async () => {
    await page.goto(`${scene.hub.url}/hub/spawn/alice`);
    await page.getByLabel('Partition').selectOption('normal');
    await page.getByLabel('Number of cores').fill('8');
    await page.getByLabel('Total memory (GB)').fill('32');
    await page.getByText('Save these settings as a preset').click();
    await page.getByLabel('Preset name').fill('GPU analysis');
    await screenshots(page, 'spawn-save-preset');
    await page.getByRole('button', { name: 'Save as preset' }).click();
    await page.waitForURL('**/hub/home?saved=*');
    await page.getByText('Preset “GPU analysis” saved.').waitFor();
    const presets = page.locator('#presets li');
    assert.deepEqual(await presets.locator('strong').allTextContents(), ['Course (1 core)', 'GPU analysis']);
    await page.locator('#presets').scrollIntoViewIfNeeded();
    await screenshots(page, 'home-presets');

    await page.getByRole('button', { name: 'Start GPU analysis' }).click();
    await page.waitForURL('**/hub/spawn-pending/alice');
    await (await agentOf(scene, 'alice', '')).ready();
    await page.waitForURL('**/user/alice/');
    const row = await scene.hub.hub.db.selectFrom('servers').select('options').executeTakeFirstOrThrow();
    assert.equal((JSON.parse(row.options) as { cores: number }).cores, 8);
  });

  test('share the running server from its card; bob gets in, and not after the share is withdrawn', async () => {
    await page.goto(`${scene.hub.url}/hub/home`);
    const card = page.locator('.server-card[data-server="default"]');
    await card.getByText('Share…').click();
    await card.getByLabel('Share with').selectOption('user');
    await card.getByLabel('Name').fill('bob');
    await card.getByRole('button', { name: 'Share', exact: true }).click();
    await page.waitForURL('**/hub/home?share=default*');
    await card.getByRole('button', { name: 'Withdraw the share of user bob' }).waitFor();

    await card.getByRole('button', { name: 'Create link' }).click();
    const link = await page.getByLabel('Share link').inputValue();
    assert.match(link, /\/hub\/accept-share\?code=[\w-]{40,}$/);
    await page.goto(`${scene.hub.url}/hub/home?share=default`);
    await card.locator('details.share').scrollIntoViewIfNeeded();
    await screenshots(page, 'share-dialog');

    const other = await openSignedIn(chromium, scene.hub.url, 'bob', 'bob-password-1');
    // The proxy lets bob through to alice's server (a fake spawner's server does not answer: 503).
    const shared = await other.page.request.get(`${scene.hub.url}/user/alice/`);
    assert.equal(shared.status(), 503);
    await page.getByRole('button', { name: 'Withdraw the share of user bob' }).click();
    await page.waitForURL('**/hub/home?share=default*');
    const refused = await other.page.request.get(`${scene.hub.url}/user/alice/`);
    assert.equal(refused.status(), 404);
    await other.page.context().close();
    assert.deepEqual(watch.errors, []);
  });
});
