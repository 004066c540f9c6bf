// Single sign-on in Chromium with a real OpenID provider (oidc-provider, in this process) and no
// password form: a researcher presses "Sign in with Test University", signs in at the provider,
// and arrives home; a member of the admin group sees the admin pages; signing out ends the
// provider's session too, so the next sign-in asks for the password again; with the Slurm
// spawner, someone without a cluster account sees the page that says how to apply for one.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openPage, type PageWatch, screenshots } from '../../test-support/chromium.js';
import { createFakeSpawner } from '../../test-support/fake-spawner.js';
import { TestHub } from '../../test-support/hub.js';
import { TEST_CLIENT, TestOpenIdProvider } from '../../test-support/oidc-provider.js';

/** At the provider's development login form: any password is right for a known login. */
async function signInAtProvider(page: Page, login: string): Promise<void> {
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('the provider checks this');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

describe('single sign-on in Chromium', () => {
  let op: TestOpenIdProvider;
  let hub: TestHub;
  let chromium: Browser;
  let secretDir: string;

  before(async () => {
    secretDir = await mkdtemp(join(tmpdir(), 'hpchub-oidc-secret-'));
    const secretFile = join(secretDir, 'client-secret');
    await writeFile(secretFile, TEST_CLIENT.secret, { mode: 0o600 });
    op = await TestOpenIdProvider.reserve();
    hub = await TestHub.start({
      configure: (c) => {
        Object.assign(c.auth.oidc, op.hubSettings(secretFile), {
          scopes: ['openid', 'profile', 'groups'],
          groups_claim: 'groups',
        });
        c.auth.password_login = false;
        c.auth.admin_groups = ['hpc-admins'];
      },
    });
    await op.start(hub.url);
    op.people.set('jdoe', { preferred_username: 'jdoe', groups: ['physics'] });
    op.people.set('root-of-all', { preferred_username: 'Boss', groups: ['hpc-admins'] });
    chromium = await launchChromium();
  });
  after(async () => {
    await chromium?.close();
    await hub?.stop();
    await op?.stop();
    if (secretDir) await rm(secretDir, { recursive: true, force: true });
  });

  let page: Page;
  let watch: PageWatch;

  test('a researcher signs in with the provider and reaches the home page', async () => {
    ({ page, watch } = await openPage(chromium));
    await page.goto(`${hub.url}/hub/home`);
    await page.waitForURL(/\/hub\/login\?next=/);
    assert.equal(await page.getByLabel('Password').count(), 0, 'no password form');
    await screenshots(page, 'sso-login');
    await page.getByRole('link', { name: 'Sign in with Test University' }).click();
    await page.waitForURL(`${op.issuer}/**`);
    await signInAtProvider(page, 'jdoe');
    await page.waitForURL(`${hub.url}/hub/home`);
    await page.getByRole('heading', { name: 'Welcome, jdoe' }).waitFor();
    assert.equal(await page.getByRole('link', { name: 'Admin', exact: true }).count(), 0);
    await screenshots(page, 'sso-home');
  });

  test('signing out ends the session at the provider too', async () => {
    await page.goto(`${hub.url}/hub/logout`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${op.issuer}/**`);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL(`${hub.url}/hub/login`);
    await page.goto(`${hub.url}/hub/home`);
    await page.waitForURL(/\/hub\/login\?next=/);
    await page.getByRole('link', { name: 'Sign in with Test University' }).click();
    // The provider's session is gone: it asks who is there again.
    await page.locator('input[name="login"]').waitFor();
    assert.deepEqual(watch, { dialogs: [], cspViolations: [], errors: [] });
  });

  test('a member of the admin group sees the admin pages', async () => {
    const admin = await openPage(chromium);
    await admin.page.goto(`${hub.url}/hub/login`);
    await admin.page.getByRole('link', { name: 'Sign in with Test University' }).click();
    await signInAtProvider(admin.page, 'root-of-all');
    await admin.page.waitForURL(`${hub.url}/hub/home`);
    await admin.page.getByRole('heading', { name: 'Welcome, boss' }).waitFor();
    await admin.page.getByRole('link', { name: 'Admin', exact: true }).click();
    await admin.page.waitForURL(`${hub.url}/hub/admin`);
    await admin.page.getByRole('cell', { name: 'jdoe', exact: true }).waitFor();
    await admin.context.close();
  });
});

describe('single sign-on in Chromium without a cluster account', () => {
  test('a researcher with no account on the cluster sees the page that says how to apply', async () => {
    const op = await TestOpenIdProvider.reserve();
    const dir = await mkdtemp(join(tmpdir(), 'hpchub-oidc-secret-'));
    const secretFile = join(dir, 'client-secret');
    await writeFile(secretFile, TEST_CLIENT.secret, { mode: 0o600 });
    const hub = await TestHub.start({
      spawner: createFakeSpawner('instant'),
      configure: (c) => {
        Object.assign(c.auth.oidc, op.hubSettings(secretFile), { scopes: ['openid', 'profile'] });
        c.spawner.kind = 'slurm';
        c.auth.no_account_text = 'Apply for one at the [HPC desk](https://hpc.uni.example/apply).';
      },
    });
    const chromium = await launchChromium();
    try {
      await op.start(hub.url);
      op.people.set('newcomer', { preferred_username: 'newcomer' });
      const { page, watch } = await openPage(chromium);
      await page.goto(`${hub.url}/hub/login`);
      await page.getByRole('link', { name: 'Sign in with Test University' }).click();
      await signInAtProvider(page, 'newcomer');
      await page.getByRole('heading', { name: 'No cluster account' }).waitFor();
      assert.equal(
        await page.locator('#no-account-who').textContent(),
        'There is no cluster account for newcomer: the cluster has no account named newcomer. This hub runs your work as that account, so it cannot start anything for you yet.',
      );
      assert.equal(
        await page.getByRole('link', { name: 'HPC desk' }).getAttribute('href'),
        'https://hpc.uni.example/apply',
      );
      await screenshots(page, 'sso-no-account');
      assert.deepEqual(watch, { dialogs: [], cspViolations: [], errors: [] });
    } finally {
      await chromium.close();
      await hub.stop();
      await op.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
