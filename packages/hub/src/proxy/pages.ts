// The pages the proxy itself answers with, in the hub's page frame: the hub's one error page, and
// "this server is not running" with a way to start it. Pure functions of their arguments.
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../auth/scopes.js';
import type { HubError } from '../errors/index.js';
import { errorPage } from '../http/errors.js';
import { html } from '../ui/html.js';
import { page } from '../ui/layout.js';
import type { Site } from '../ui/site.js';
import type { UnroutedServer } from './types.js';

/** The hub's error page. It reads nothing of the request but its principal. */
export function errorHtml(err: HubError, principal: Principal | null, site: Site): string {
  return errorPage(err, { principal } as unknown as FastifyRequest, site);
}

/** `ada`'s default server is "ada's server"; a named one is "ada's server lab". */
export function serverLabel(server: { owner: string; name: string }): string {
  return server.name === '' ? `${server.owner}'s server` : `${server.owner}'s server ${server.name}`;
}

/** Path segments of a server for hub URLs: `/ada` or `/ada/lab`. */
export function serverPath(server: { owner: string; name: string }): string {
  const owner = encodeURIComponent(server.owner);
  return server.name === '' ? `/${owner}` : `/${owner}/${encodeURIComponent(server.name)}`;
}

export function notRunningHtml(
  server: UnroutedServer,
  principal: Principal,
  next: string,
  site: Site,
): string {
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
