// The usage page in Chromium, as an admin: the chart draws, switching the measure and a filter
// changes it, the CSV downloads with the table's numbers, and the page fits a phone. Screenshots
// at laptop and phone size go to test-artifacts/screenshots/.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  launchChromium,
  openPage,
  type PageWatch,
  PHONE,
  screenshots,
  signIn,
} from '../../test-support/chromium.js';
import { TestHub } from '../../test-support/hub.js';
import { HISTORY_ZONE, writeHistory } from '../../test-support/usage-history.js';

describe('the usage page in Chromium', () => {
  let hub: TestHub;
  let chromium: Browser;
  let page: Page;
  let watch: PageWatch;

  before(async () => {
    hub = await TestHub.start({
      configure: (c) => {
        c.usage.time_zone = HISTORY_ZONE;
      },
    });
    await writeHistory(hub.hub.db);
    await hub.addUser('boss', { admin: true, password: 'boss-password-1' });
    chromium = await launchChromium();
    ({ page, watch } = await openPage(chromium));
    await signIn(page, hub.url, 'boss', 'boss-password-1');
  });
  after(async () => {
    await chromium?.close();
    await hub?.stop();
  });

  /** What the chart draws: its series and their points. */
  const chart = () =>
    page.locator('.chart-scroll > svg').evaluate((svg) => ({
      series: [...svg.querySelectorAll('g.series')].map((g) => g.getAttribute('data-series')),
      points: [...svg.querySelectorAll('circle')].map(
        (c) => `${c.getAttribute('cx')},${c.getAttribute('cy')}`,
      ),
      box: svg.getBoundingClientRect().width,
    }));

  test('opens from the admin area with a chart of the last 26 weeks', async () => {
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.waitForURL('**/hub/admin/usage');
    const drawn = await chart();
    assert.deepEqual(drawn.series, ['code-server', 'jupyterlab', 'rstudio']);
    assert.equal(drawn.points.length, 3 * 26, 'a point per app and week');
    assert.ok(drawn.box > 600, `the chart is ${drawn.box}px wide`);
    assert.equal(await page.locator('.usage-table tbody tr').count(), 26);
    await screenshots(page, 'admin-usage');
  });

  test('switching the measure and filtering by app change the chart', async () => {
    const sessions = await chart();
    await page.getByLabel('Measure').selectOption('core_hours');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/measure=core_hours/);
    const hours = await chart();
    assert.deepEqual(hours.series, sessions.series);
    assert.notDeepEqual(hours.points, sessions.points);
    assert.match(
      (await page.locator('.usage-chart title').first().textContent()) ?? '',
      /^Core-hours per week/,
    );

    await page.getByLabel('App', { exact: true }).selectOption('rstudio');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/app=rstudio/);
    const rstudio = await chart();
    assert.deepEqual(rstudio.series, ['rstudio']);
    assert.equal(await page.getByLabel('Measure').inputValue(), 'core_hours', 'the form keeps its choices');
    await screenshots(page, 'admin-usage-rstudio-core-hours');
  });

  test('the CSV downloads exactly the table', async () => {
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV' }).click(),
    ]);
    assert.match(download.suggestedFilename(), /^usage-core_hours-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
    const csv = await readFile((await download.path()) as string, 'utf8');
    const table = await page
      .locator('.usage-table')
      .evaluate((t) =>
        [...t.querySelectorAll('tr')].map((tr) =>
          [...tr.querySelectorAll('th, td')].map((c) => (c.textContent === '—' ? '' : (c.textContent ?? ''))),
        ),
      );
    const rows = csv
      .trimEnd()
      .split('\r\n')
      .map((l) => l.split(','));
    assert.deepEqual(rows.slice(0, -1), table.slice(0, -1));
    assert.deepEqual(rows.at(-1)?.slice(1), table.at(-1)?.slice(1));
  });

  test('fits a phone, and nothing broke the page', async () => {
    await page.setViewportSize(PHONE);
    const overflow = Number(await page.evaluate('document.documentElement.scrollWidth - window.innerWidth'));
    assert.ok(overflow <= 0, `the page is ${overflow}px wider than the phone`);
    // The chart keeps a readable size and scrolls sideways inside its own box.
    const scroll = await page
      .locator('.chart-scroll')
      .evaluate((d) => ({ box: d.clientWidth, inner: d.scrollWidth }));
    assert.ok(scroll.box < PHONE.width && scroll.inner >= 600, JSON.stringify(scroll));
    assert.deepEqual(watch, { dialogs: [], cspViolations: [], errors: [] });
  });
});
