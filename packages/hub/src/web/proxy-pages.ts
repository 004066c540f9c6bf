// The pages the proxy answers people with, in the hub's page frame: the hub's one error page,
// and "this server is not running" with a way to start it. Given to the proxy as its ProxyPages.
import type { Principal } from '../auth/scopes.js';
import type { ProxyPages, UnroutedServer } from '../proxy/index.js';
import { serverLabel, serverPath } from '../spawn/index.js';
import { errorPage } from '../ui/error-page.js';
import { html } from '../ui/html.js';
import { page } from '../ui/layout.js';
import type { Site } from '../ui/site.js';

function notRunningHtml(server: UnroutedServer, principal: Principal, next: string, site: Site): string {
  const label = serverLabel(server);
  const mayStart = principal.userId === server.ownerId || principal.admin;
  const query = `?next=${encodeURIComponent(next)}`;
  let body: ReturnType<typeof html>;
  if (server.status === 'pending') {
    body = html`<h1 id="nr-title">${label} is starting</h1>
      <p>It is not ready yet. Follow its progress, and you will be taken to it when it is.</p>
      <p><a class="button" href="${`/hub/spawn-pending${serverPath(server)}${query}`}">Show progress</a></p>`;
  } else if (server.status === 'stopping') {
    body = html`<h1 id="nr-title">${label} is stopping</h1>
      <p>Wait until it has stopped, then start it again from your home page.</p>
      <p><a class="button" href="/hub/home">Home</a></p>`;
  } else {
    body = html`<h1 id="nr-title">${label} is not running</h1>
      ${
        mayStart
          ? html`<p>Start it to open this page.</p>
            <p><a class="button" href="${`/hub/spawn${serverPath(server)}${query}`}">Start it</a></p>`
          : html`<p>Ask ${server.owner} to start it, then reload this page.</p>`
      }`;
  }
  return page(
    { title: 'Server not running', principal, csrfToken: principal.csrfToken, site },
    html`<section class="panel narrow" aria-labelledby="nr-title">${body}</section>`,
  );
}

export function proxyPages(site: Site): ProxyPages {
  return {
    label: serverLabel,
    error: (err, principal) => errorPage(err, principal, site),
    notRunning: (server, principal, next) => notRunningHtml(server, principal, next, site),
  };
}
