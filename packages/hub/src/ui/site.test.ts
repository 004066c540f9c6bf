// The site's look from configuration: name, logo, accent colour and footer reach every page
// (the error pages and the proxy's too) without a template being edited; only safe values pass.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError } from '../config/config-error.js';
import { loadConfig } from '../config/index.js';
import { Browser, TestHub } from '../test-support/hub.js';
import { accentPalette, contrast, loadSite } from './site.js';

describe('site look', () => {
  test('a colour must be #rrggbb, a logo an image file; both are checked at start', () => {
    for (const bad of ['red', '#fff', '#12345g', '#123456; background:url(x)', 'rgb(1,2,3)']) {
      assert.throws(
        () => loadConfig({ env: { HPCHUB_SITE_ACCENT_COLOUR: bad } }),
        (err: unknown) => err instanceof ConfigError && /site\.accent_colour.*#rrggbb/s.test(err.message),
        bad,
      );
    }
    assert.throws(() => loadConfig({ env: { HPCHUB_SITE_LOGO_FILE: '/etc/passwd' } }), ConfigError);
    const { config } = loadConfig({ env: { HPCHUB_SITE_LOGO_FILE: '/nonexistent/logo.png' } });
    assert.throws(() => loadSite(config.site), /Cannot read site\.logo_file \/nonexistent\/logo\.png/);
  });

  test('any accent colour keeps buttons and links readable (WCAG AA)', () => {
    for (const accent of ['#1f5fa8', '#ffd700', '#e0e0e0', '#000000', '#00ff00', '#808080']) {
      const p = accentPalette(accent);
      assert.ok(contrast(p.accent, p.contrastText) >= 4.5, `${accent} → button text ${p.contrastText}`);
      assert.ok(contrast(p.text, '#f5f6f8') >= 4.5, `${accent} → links ${p.text}`);
    }
    assert.equal(accentPalette('#ffd700').contrastText, '#111111');
    assert.equal(accentPalette('#1f5fa8').contrastText, '#ffffff');
  });
});

describe('a hub with its own look', () => {
  let hub: TestHub;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hpchub-site-'));
    await writeFile(
      join(dir, 'logo.svg'),
      '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><title>x</title></svg>',
    );
    hub = await TestHub.start({
      configure: (c) => {
        c.site.name = 'Euler <Hub>';
        c.site.accent_colour = '#7a1f5c';
        c.site.logo_file = join(dir, 'logo.svg');
        c.site.footer =
          'Help: [docs](https://scicomp.example.org) · <b>bold</b> · [bad](javascript:alert(1))';
      },
    });
    await hub.addUser('alice', { password: 'alice-password-1' });
  });
  after(async () => {
    await hub.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('name, logo, colour and footer are on the login page, the pages and the error pages', async () => {
    const browser = new Browser(hub.url);
    const pages = [await browser.get('/hub/login'), await browser.get('/hub/no-such-page')];
    const alice = await hub.login('alice', 'alice-password-1');
    pages.push(await alice.get('/hub/home'), await alice.get('/user/alice/'));
    for (const res of pages) {
      assert.match(res.text, /<title>[^<]* · Euler &lt;Hub&gt;<\/title>/);
      assert.match(res.text, /<span>Euler &lt;Hub&gt;<\/span>/);
      assert.match(res.text, /<img src="\/hub\/static\/[0-9a-f]{12}\/logo\.svg" alt="" class="logo">/);
      assert.match(
        res.text,
        /<a href="https:\/\/scicomp\.example\.org" rel="noopener noreferrer nofollow">docs<\/a> · &lt;b&gt;bold&lt;\/b&gt; · \[bad\]\(javascript:alert\(1\)\)/,
      );
      assert.match(res.text, /Euler &lt;Hub&gt; · powered by hpchub/);
    }
    const css = /href="(\/hub\/static\/[0-9a-f]{12}\/site\.css)"/.exec(pages[0]?.text ?? '')?.[1];
    const sheet = await (await fetch(`${hub.url}${css}`)).text();
    assert.match(sheet, /--accent: #7a1f5c;/);
    assert.match(sheet, /--accent-contrast: #ffffff;/);
    const logo = await fetch(
      `${hub.url}${/src="(\/hub\/static\/[0-9a-f]{12}\/logo\.svg)"/.exec(pages[0]?.text ?? '')?.[1]}`,
    );
    assert.equal(logo.headers.get('content-type'), 'image/svg+xml');
    assert.match(logo.headers.get('content-security-policy') ?? '', /script-src 'self'/);
  });
});
