// The page frame every screen renders into: header with the site's name and logo, navigation,
// maintenance banner, content, footer; and the versioned static assets it links.
import type { Principal } from '../auth/scopes.js';
import { assetUrl } from './assets.js';
import { html, type SafeHtml } from './html.js';
import type { Site } from './site.js';

export { ASSETS, assetUrl } from './assets.js';

export interface PageOptions {
  title: string;
  principal: Principal | null;
  /** CSRF token for the logout form in the header. */
  csrfToken?: string | undefined;
  site: Site;
  /** Shown above the content of the page (maintenance notices). */
  banner?: SafeHtml | undefined;
  /** Progressive-enhancement scripts of the page (names of static assets), loaded deferred. */
  scripts?: string[] | undefined;
  /** The navigation entry of this page. */
  current?: 'home' | 'notebooks' | 'tokens' | 'admin' | undefined;
  /** Extra elements for <head> (the progress page's refresh for browsers without scripts). */
  head?: SafeHtml | undefined;
}

function navLink(href: string, label: string, current: boolean) {
  return html`<a href="${href}"${current ? html` aria-current="page"` : ''}>${label}</a>`;
}

export function page(opts: PageOptions, body: SafeHtml): string {
  const p = opts.principal;
  const { site } = opts;
  const nav = p
    ? html`<nav aria-label="Main">
        ${navLink('/hub/home', 'Home', opts.current === 'home')}
        ${navLink('/hub/notebooks', 'Notebooks', opts.current === 'notebooks')}
        ${navLink('/hub/tokens', 'Tokens', opts.current === 'tokens')}
        ${p.admin ? navLink('/hub/admin', 'Admin', opts.current === 'admin') : ''}
        <span class="who" title="Signed in as ${p.name}">${p.name}</span>
        <form class="inline" method="post" action="/hub/logout">
          <input type="hidden" name="_xsrf" value="${opts.csrfToken ?? ''}">
          <button type="submit" class="secondary small">Log out</button>
        </form>
      </nav>`
    : html``;
  const scripts = (opts.scripts ?? []).map((s) => html`<script src="${assetUrl(s)}" defer></script>`);
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · ${site.name}</title>
<link rel="stylesheet" href="${assetUrl('hub.css')}">
<link rel="stylesheet" href="${site.stylesheetUrl}">
${scripts}${opts.head ?? ''}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><div class="bar">
  <a class="brand" href="/hub/home">${site.logoUrl ? html`<img src="${site.logoUrl}" alt="" class="logo">` : ''}<span>${site.name}</span></a>
  ${nav}
</div></header>
${opts.banner ?? ''}
<main id="main" tabindex="-1">${body}</main>
<footer class="site">${site.footer.value ? html`<p>${site.footer}</p>` : ''}<p>${site.name === 'hpchub' ? 'hpchub' : `${site.name} · powered by hpchub`}</p></footer>
</body>
</html>`.value;
}
