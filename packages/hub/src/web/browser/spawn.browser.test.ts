// The spawn form and the progress page in Chromium, with a fake spawner and resource fields like
// the Slurm spawner's: limits that follow the partition and are enforced by the browser, app
// tiles that reload the fields, "Reset form", the event log fed by the event stream until the
// server is ready (then the browser goes there) or fails (then "try again"), hostile server
// names shown as text, and a form without its CSRF token refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openSignedIn, type PageWatch, screenshots } from '../../test-support/chromium.js';
import { agentOf, type PagesScene, startPagesHub } from '../../test-support/pages.js';

/** What these tests read of an input in the page (the DOM types are not in this project's lib). */
interface Field {
  validity: { valid: boolean };
  validationMessage: string;
}

describe('spawn form and progress page in Chromium', () => {
  let scene: PagesScene;
  let chromium: Browser;
  let page: Page;
  let watch: PageWatch;

  before(async () => {
    scene = await startPagesHub({ behaviour: 'slow', resources: true });
    await scene.hub.addUser('alice', { password: 'alice-password-1' });
    chromium = await launchChromium();
    ({ page, watch } = await openSignedIn(chromium, scene.hub.url, 'alice', 'alice-password-1'));
  });
  after(async () => {
    await chromium?.close();
    await scene?.hub.stop();
  });

  test('limits follow the partition and the browser enforces them before sending', async () => {
    await page.goto(`${scene.hub.url}/hub/spawn`);
    await page.waitForURL('**/hub/spawn/alice');
    const cores = page.getByLabel('Number of cores');
    assert.equal(await cores.getAttribute('max'), '16');
    await screenshots(page, 'spawn-form');
    await page.getByLabel('Partition').selectOption('short');
    assert.equal(await cores.getAttribute('max'), '1');
    assert.equal(await page.locator('#f-cores-hint .limit').textContent(), '1 to 1 in partition short');
    await cores.fill('8');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    // Not sent: the browser holds the form and says why.
    assert.match(page.url(), /\/hub\/spawn\/alice$/);
    assert.equal(await cores.evaluate((el) => (el as unknown as Field).validity.valid), false);
    assert.match(
      await cores.evaluate((el) => (el as unknown as Field).validationMessage),
      /partition short allows at most 1/,
    );
    assert.equal(
      await scene.hub.hub.db
        .selectFrom('servers')
        .selectAll()
        .execute()
        .then((r) => r.length),
      0,
    );
  });

  test('the hub refuses what only it can judge, per field, and the fixed form starts the server', async () => {
    await page.getByLabel('Number of cores').fill('1');
    await page.getByLabel('Total memory (GB)').fill('2');
    await page.getByLabel('Run time (hours)').fill('1');
    await page.getByLabel('Custom script to load').fill('../../etc/profile');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.locator('#f-custom_script-error').waitFor();
    assert.equal(
      await page.locator('#f-custom_script-error').textContent(),
      'A path may not go up with "..".',
    );
    // The summary at the top has the focus and links to the field.
    assert.equal(await page.evaluate('document.activeElement?.id'), 'form-errors');
    assert.equal(await page.getByLabel('Partition').inputValue(), 'short');
    await screenshots(page, 'spawn-form-error');

    await page.getByLabel('Custom script to load').fill('~/.jupyterlabrc');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.waitForURL('**/hub/spawn-pending/alice');
    // The fake job waits in the queue for two polls, then runs; the log shows it.
    await page.locator('#event-log li', { hasText: 'Resources' }).first().waitFor({ timeout: 15_000 });
    await screenshots(page, 'progress');
    const agent = await agentOf(scene, 'alice', '');
    await page
      .locator('#event-log li', { hasText: 'waiting' })
      .first()
      .waitFor({ timeout: 15_000 })
      .catch(() => undefined);
    await agent.progress('Starting JupyterLab on the node');
    await page.locator('#event-log li', { hasText: 'Starting JupyterLab on the node' }).waitFor();
    assert.ok(Number(await page.locator('#progress-bar').getAttribute('value')) >= 60);
    await agent.ready();
    await page.waitForURL('**/user/alice/');
    assert.equal(await page.locator('h1').textContent(), 'The app of alice');
  });

  test('home shows the running server; choosing another app reloads the form with its fields', async () => {
    await page.goto(`${scene.hub.url}/hub/home`);
    assert.match(
      (await page.locator('.server-card').textContent()) ?? '',
      /1 core · 2 GB · 1 h · partition short/,
    );
    await screenshots(page, 'home-running');
    await page.goto(`${scene.hub.url}/hub/spawn/alice`);
    assert.equal(await page.getByLabel('Partition').inputValue(), 'short', 'remembered from the last start');
    await page.locator('label.tile', { hasText: 'TensorBoard' }).click();
    await page.waitForURL('**/hub/spawn/alice?app=tensorboard');
    await page.locator('.fixed-value', { hasText: 'Chosen in a directory browser' }).waitFor();
    await page.getByRole('link', { name: 'Reset form' }).click();
    await page.waitForURL(/reset=1/);
    assert.equal(await page.getByLabel('Partition').inputValue(), 'normal');
  });

  test('a hostile server name is refused and shown as text; nothing runs', async () => {
    await page.goto(`${scene.hub.url}/hub/spawn/alice`);
    const hostile = '<img src=x onerror=alert(1)>';
    const name = page.getByLabel(/Server name/);
    // The browser would not send it (pattern); a page that let it through must still be safe.
    await name.evaluate((el) => el.removeAttribute('pattern'));
    await name.fill(hostile);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.locator('#f-server_name-error').waitFor();
    assert.equal(await name.inputValue(), hostile);
    assert.equal(await page.locator('img[src="x"]').count(), 0);
    assert.deepEqual(watch.dialogs, []);
  });

  test('a start that fails shows the agent’s message and a "try again" link', async () => {
    await page.goto(`${scene.hub.url}/hub/spawn/alice/broken`);
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.waitForURL('**/hub/spawn-pending/alice/broken');
    await page.locator('#event-log li').first().waitFor();
    const agent = await agentOf(scene, 'alice', 'broken');
    await agent.fail('jupyter-lab: command not found. Load a module in ~/.jupyterlabrc.');
    await page.locator('#progress-failed').waitFor({ state: 'visible' });
    assert.match((await page.locator('#failure-message').textContent()) ?? '', /command not found/);
    assert.equal(await page.locator('h1').textContent(), 'Your server broken did not start');
    assert.equal(await page.evaluate('document.activeElement?.id'), 'try-again');
    await screenshots(page, 'progress-failed');
    await page.getByRole('link', { name: 'Try again' }).click();
    await page.waitForURL('**/hub/spawn/alice/broken?again=1');
  });

  test('a form posted without its CSRF token is refused with the error page', async () => {
    await page.goto(`${scene.hub.url}/hub/spawn/alice/nocsrf`);
    await page.locator('#spawn-form input[name="_xsrf"]').evaluate((el) => el.remove());
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.getByText('The form has expired or was not sent by this site').waitFor();
    assert.equal(await page.title(), 'Not allowed · hpchub');
    await screenshots(page, 'error-403');
    const rows = await scene.hub.hub.db
      .selectFrom('servers')
      .select('name')
      .where('name', '=', 'nocsrf')
      .execute();
    assert.deepEqual(rows, []);
  });

  test('nothing on these pages broke the CSP, raised a dialog or threw', () => {
    assert.deepEqual(watch, { dialogs: [], cspViolations: [], errors: [] });
  });
});
