// The newcomer's journey in Chromium, with nothing faked: a researcher with a cluster account
// (a real system user, password checked by PAM) logs in, reads the news, fills the spawn form
// with a wrong value first, then right; watches the progress page until the server is ready and
// lands in a real JupyterLab (the local spawner runs it as that user, behind our proxy and
// agent); comes back home, stops the server and logs out.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage, type PageWatch, screenshots } from '../../test-support/chromium.js';
import { TestHub } from '../../test-support/hub.js';
import { type TestSystemUser, testSystemUser, testSystemUsers } from '../../test-support/system-users.js';

const VENV_BIN = '/opt/hpchub-test/venv/bin';

/**
 * Live processes of this hub's jobs: those started from its data directory (the agent) and
 * their descendants (JupyterLab). Other tests may run servers as the same user at the same time.
 */
function jobProcesses(hub: TestHub): string[] {
  const rows = execFileSync('ps', ['-eo', 'pid=,ppid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^\s*(\d+)\s+(\d+)\s+(\S+)\s+(.*)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null && !(m[3] ?? '').startsWith('Z'));
  const ours = new Set(
    rows.filter((m) => (m[4] ?? '').includes(`${hub.hub.config.data_dir}/`)).map((m) => m[1]),
  );
  // Children of ours are ours, to any depth.
  let grew = true;
  while (grew) {
    grew = false;
    for (const m of rows) {
      if (ours.has(m[2]) && !ours.has(m[1])) {
        ours.add(m[1]);
        grew = true;
      }
    }
  }
  return rows.filter((m) => ours.has(m[1])).map((m) => m[4] ?? '');
}

describe('a newcomer in Chromium, with real PAM and a real JupyterLab', () => {
  let hub: TestHub;
  let alice: TestSystemUser;
  let chromium: Browser;
  let page: Page;
  let watch: PageWatch;
  /** What the progress page said while the user watched it. */
  const progressSeen: string[] = [];

  before(async () => {
    if (!existsSync(`${VENV_BIN}/jupyter-lab`)) {
      throw new Error(
        `JupyterLab is not installed at ${VENV_BIN} — run: sudo bash scripts/provision/apps.sh`,
      );
    }
    alice = testSystemUser(testSystemUsers(), 'hpchub-alice');
    hub = await TestHub.start({
      configure: (c) => {
        c.auth.authenticator = 'pam';
        c.spawner.poll_interval_seconds = 1;
        c.spawner.path_prepend = [VENV_BIN];
        c.spawner.start_timeout_seconds = 120;
        c.site.name = 'Euler JupyterHub';
      },
    });
    await hub.addUser('boss', { admin: true });
    const admin = await hub.tokenFor('boss', ['admin']);
    const news = await hub.api('POST', '/news', {
      token: admin,
      body: {
        title: 'Welcome to Euler',
        body: 'New here? Start **JupyterLab** with one core; stop it when you are done.',
      },
    });
    assert.equal(news.status, 201, news.text);
    chromium = await launchChromium();
    ({ page, watch } = await openPage(chromium));
    await page.exposeFunction('hpchubProgressSeen', (text: string) => progressSeen.push(text));
    // Runs in each page: reports every text the progress page's status line shows.
    await page.addInitScript(`document.addEventListener('DOMContentLoaded', () => {
      const status = document.getElementById('progress-status');
      if (!status) return;
      new MutationObserver(() => window.hpchubProgressSeen(status.textContent || '')).observe(status, {
        childList: true, characterData: true, subtree: true,
      });
    });`);
  });
  after(async () => {
    await chromium?.close();
    const token = hub ? await hub.tokenFor(alice.name).catch(() => undefined) : undefined;
    if (token) await hub.api('DELETE', `/users/${alice.name}/server`, { token }).catch(() => undefined);
    await hub?.stop();
  });

  test('logs in with the cluster password and reads the news', async () => {
    await page.goto(`${hub.url}/hub/home`);
    await page.waitForURL(/\/hub\/login\?next=/);
    await page.locator('section.news').getByText('Welcome to Euler').waitFor();
    await page.getByLabel('Username').fill(alice.name);
    await page.getByLabel('Password').fill(alice.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/hub/home');
    await page.getByRole('heading', { name: `Welcome, ${alice.name}` }).waitFor();
    assert.equal(await page.locator('section.news strong').textContent(), 'JupyterLab');
    await screenshots(page, 'journey-home-first');
  });

  test('fills the spawn form: a wrong value first, refused with a reason, then the right one', async () => {
    await page.getByRole('link', { name: 'Start a new server' }).click();
    await page.waitForURL(`**/hub/spawn/${alice.name}`);
    assert.equal(await page.locator('input[name="app"]:checked').getAttribute('value'), 'jupyterlab');
    await page.getByLabel('Custom script to load').fill('../../root/.bashrc');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.locator('#f-custom_script-error').waitFor();
    assert.equal(
      await page.locator('#f-custom_script-error').textContent(),
      'A path may not go up with "..".',
    );
    await screenshots(page, 'journey-spawn-error');
    await page.getByLabel('Custom script to load').fill('~/.jupyterlabrc');
    await page.getByRole('button', { name: 'Start', exact: true }).click();
    await page.waitForURL(`**/hub/spawn-pending/${alice.name}`);
  });

  test('watches the progress page until the server is ready, and lands in JupyterLab', async () => {
    await page.waitForURL(`**/user/${alice.name}/**`, { timeout: 150_000 });
    // JupyterLab's own page, served by the app through the hub's proxy and the agent.
    await page.locator('#jp-main-dock-panel').waitFor({ timeout: 120_000 });
    await page.locator('.jp-LauncherCard').first().waitFor({ timeout: 60_000 });
    // The page followed the start step by step, up to ready (then the browser went to JupyterLab).
    const seen = progressSeen.join(' | ');
    assert.ok(
      progressSeen.some((t) => /waiting for jupyterlab to answer/i.test(t)),
      seen,
    );
    assert.equal(progressSeen.at(-1), 'Your server is ready. Taking you there…', seen);
    await screenshots(page, 'journey-jupyterlab');
  });

  test('comes back home, sees the server running, stops it, and reads why it ended', async () => {
    await page.goto(`${hub.url}/hub/home`);
    const card = page.locator('.server-card[data-server="default"]');
    await card.getByText('running', { exact: true }).waitFor();
    assert.equal(
      await card.getByRole('link', { name: /^Open/ }).getAttribute('href'),
      `/user/${alice.name}/`,
    );
    await screenshots(page, 'journey-home-running');
    const running = jobProcesses(hub);
    assert.ok(
      running.some((p) => p.includes('jupyter-lab')),
      running.join('\n'),
    );
    await card.getByRole('button', { name: /^Stop/ }).click();
    await page.waitForURL('**/hub/home');
    const ended = page.locator('li.ended-row[data-server="default"]');
    assert.equal(await ended.locator('.end-reason').textContent(), 'stopped by you');
    // JupyterLab shuts down cleanly after SIGTERM, which can take a moment.
    for (let i = 0; i < 300 && jobProcesses(hub).length > 0; i++) await page.waitForTimeout(200);
    assert.deepEqual(jobProcesses(hub), [], 'the job (agent and JupyterLab) is gone');
    await screenshots(page, 'journey-home-stopped');
  });

  test('logs out, and the session no longer opens the hub', async () => {
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL('**/hub/login');
    await page.goto(`${hub.url}/hub/home`);
    await page.waitForURL(/\/hub\/login\?next=/);
    assert.deepEqual(watch, { dialogs: [], cspViolations: [], errors: [] });
  });
});
