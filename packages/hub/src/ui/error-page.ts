// The hub's one error page for people: what went wrong in a sentence, the fields at fault, the
// way home, and the stable error code for a report. Used by the hub's routes and by the proxy.
import type { Principal } from '../auth/scopes.js';
import type { HubError } from '../errors/index.js';
import { html } from './html.js';
import { page } from './layout.js';
import type { Site } from './site.js';

export function errorPage(err: HubError, principal: Principal | null, site: Site): string {
  const title =
    err.status === 404 ? 'Page not found' : err.status >= 500 ? 'Something went wrong' : 'Not allowed';
  const body = html`<section class="panel narrow" aria-labelledby="err-title">
    <h1 id="err-title">${title}</h1>
    <p>${err.message}</p>
    ${err.validations ? html`<ul>${err.validations.map((v) => html`<li><strong>${v.field}</strong>: ${v.message}</li>`)}</ul>` : ''}
    <p><a href="/hub/home">Back to your home page</a></p>
    <p class="muted">Error ${err.status} (${err.code})</p>
  </section>`;
  return page({ title, principal, csrfToken: principal?.csrfToken, site }, body);
}
