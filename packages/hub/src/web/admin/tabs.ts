// The admin area's own navigation, shown at the top of each of its pages.
import { html, type SafeHtml } from '../../ui/html.js';

export type AdminTab = 'users' | 'servers' | 'news' | 'usage';

const TABS: [AdminTab, string, string][] = [
  ['users', '/hub/admin', 'Users'],
  ['servers', '/hub/admin/servers', 'Running servers'],
  ['news', '/hub/admin/news', 'News and maintenance'],
  ['usage', '/hub/admin/usage', 'Usage'],
];

export function adminTabs(current: AdminTab): SafeHtml {
  return html`<h1>Administration</h1>
    <nav class="tabs" aria-label="Administration">
      ${TABS.map(([id, href, label]) => html`<a href="${href}"${id === current ? html` aria-current="page"` : ''}>${label}</a>`)}
      <a href="/hub/tokens">API tokens</a>
    </nav>`;
}

/** A one-line confirmation after a change, from a fixed set of sentences (never from the URL). */
export function doneMessage(sentence: string | undefined): SafeHtml {
  return sentence ? html`<div class="alert ok" role="status">${sentence}</div>` : html``;
}
