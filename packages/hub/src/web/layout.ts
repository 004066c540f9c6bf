// The page frame every screen renders into, and the versioned static assets it links.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Principal } from '../auth/scopes.js';
import { html, type SafeHtml } from './html.js';

interface Asset {
  body: Buffer;
  type: string;
  /** Content hash: part of the URL, so assets can be cached forever and still change. */
  version: string;
}

function loadAsset(file: string, type: string): Asset {
  // Assets live beside the sources; the build copies them next to the compiled files.
  const body = readFileSync(new URL(`./static/${file}`, import.meta.url));
  return { body, type, version: createHash('sha256').update(body).digest('hex').slice(0, 12) };
}

export const ASSETS: Record<string, Asset> = {
  'hub.css': loadAsset('hub.css', 'text/css; charset=utf-8'),
};

export function assetUrl(name: keyof typeof ASSETS & string): string {
  const asset = ASSETS[name];
  if (!asset) throw new Error(`unknown asset ${name}`);
  return `/hub/static/${asset.version}/${name}`;
}

export interface PageOptions {
  title: string;
  principal: Principal | null;
  /** CSRF token for the logout form in the header. */
  csrfToken?: string | undefined;
  siteName: string;
}

export function page(opts: PageOptions, body: SafeHtml): string {
  const p = opts.principal;
  const nav = p
    ? html`<nav aria-label="Account">
        <a href="/hub/home">Home</a>
        <span class="muted">${p.name}</span>
        <form class="inline" method="post" action="/hub/logout">
          <input type="hidden" name="_xsrf" value="${opts.csrfToken ?? ''}">
          <button type="submit" class="secondary">Log out</button>
        </form>
      </nav>`
    : html``;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${opts.title} · ${opts.siteName}</title>
<link rel="stylesheet" href="${assetUrl('hub.css')}">
</head>
<body>
<header class="site"><div class="bar"><a class="brand" href="/hub/home">${opts.siteName}</a>${nav}</div></header>
<main id="main">${body}</main>
<footer class="site">${opts.siteName} · powered by hpchub</footer>
</body>
</html>`.value;
}
