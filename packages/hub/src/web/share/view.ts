// The share dialog of a server ("Share…" on its card, and the share page that answers its forms):
// whom the server is shared with, each with a Withdraw button; sharing with a user or a group;
// the live share links with their expiry and uses, each revocable; making a new link. Plain
// forms with the CSRF token; a new link is shown once, in the answer to its form.
import type { Principal } from '../../auth/scopes.js';
import type { ShareCodeListing, ShareListing } from '../../shares/store.js';
import { html, type SafeHtml } from '../../ui/html.js';
import { formatDate } from '../format.js';
import { csrfField, errorSummary } from '../forms.js';

export interface ShareDialogView {
  principal: Principal;
  owner: string;
  /** '' for the default server. */
  server: string;
  label: string;
  shares: ShareListing[];
  codes: ShareCodeListing[];
  /** The link just made (shown once). */
  created?: { url: string; expiresAt: string; singleUse: boolean } | undefined;
  error?: string | undefined;
  done?: string | undefined;
}

/** How long a new link lives: choices of the form, in seconds. */
export const LINK_LIFETIMES: ReadonlyArray<[number, string]> = [
  [3600, '1 hour'],
  [86_400, '1 day'],
  [7 * 86_400, '1 week'],
  [30 * 86_400, '30 days'],
];

export const shareAction = (owner: string) => `/hub/share/${encodeURIComponent(owner)}`;

function hidden(view: ShareDialogView, action: string): SafeHtml {
  return html`${csrfField(view.principal)}<input type="hidden" name="server" value="${view.server}"><input type="hidden" name="action" value="${action}">`;
}

function sharedWith(view: ShareDialogView): SafeHtml {
  if (view.shares.length === 0) return html`<p class="muted">Not shared with anyone.</p>`;
  return html`<ul class="share-list">${view.shares.map((s) => {
    const kind = s.group !== null ? 'group' : 'user';
    const who = s.group ?? s.user ?? '';
    return html`<li><span>${kind === 'group' ? html`Group <strong>${who}</strong>` : html`<strong>${who}</strong>`}</span>
      <form class="inline" method="post" action="${shareAction(view.owner)}">${hidden(view, 'withdraw')}
        <input type="hidden" name="kind" value="${kind}"><input type="hidden" name="who" value="${who}">
        <button type="submit" class="secondary small" aria-label="Withdraw the share of ${kind} ${who}">Withdraw</button>
      </form></li>`;
  })}</ul>`;
}

function links(view: ShareDialogView): SafeHtml {
  if (view.codes.length === 0) return html``;
  return html`<ul class="share-list">${view.codes.map(({ row }) => {
    const uses =
      row.max_exchanges === null
        ? `used ${row.exchange_count} ${row.exchange_count === 1 ? 'time' : 'times'}`
        : `${row.exchange_count} of ${row.max_exchanges} ${row.max_exchanges === 1 ? 'use' : 'uses'}`;
    return html`<li><span>Link sc_${String(row.id)} · ${uses} · expires ${formatDate(row.expires_at)}</span>
      <form class="inline" method="post" action="${shareAction(view.owner)}">${hidden(view, 'revoke-link')}
        <input type="hidden" name="id" value="sc_${String(row.id)}">
        <button type="submit" class="secondary small" aria-label="Revoke link sc_${String(row.id)}">Revoke</button>
      </form></li>`;
  })}</ul>`;
}

/** The dialog's content; `id` prefixes the ids of its fields (several cards on one page). */
export function shareDialog(view: ShareDialogView): SafeHtml {
  const id = `share-${view.label.replace(/[^a-z0-9_-]/gi, '_')}`;
  const created = view.created;
  return html`<div class="share-dialog">
    ${errorSummary(view.error)}
    ${view.done ? html`<p class="alert ok" role="status">${view.done}</p>` : ''}
    <p class="muted small">Whoever you share with can use this server as you do: run code, and read and
      change your files. Withdrawing a share ends their access at once.</p>
    ${
      created
        ? html`<div class="alert ok" role="status"><p>Share link (shown only now; valid until
            ${formatDate(created.expiresAt)}${created.singleUse ? ', for one person' : ''}):</p>
            <input class="share-link" type="text" readonly value="${created.url}" aria-label="Share link"></div>`
        : ''
    }
    <h4>Shared with</h4>
    ${sharedWith(view)}
    <form class="share-form" method="post" action="${shareAction(view.owner)}">${hidden(view, 'share')}
      <label for="${id}-kind">Share with</label>
      <select id="${id}-kind" name="kind"><option value="user">user</option><option value="group">group</option></select>
      <label class="visually-hidden" for="${id}-who">Name</label>
      <input type="text" id="${id}-who" name="who" required maxlength="100" placeholder="name" autocomplete="off">
      <button type="submit" class="small">Share</button>
    </form>
    <h4>Share links</h4>
    <p class="muted small">Anyone who signs in and opens a link gets a share of this server until you withdraw it.</p>
    ${links(view)}
    <form class="share-form" method="post" action="${shareAction(view.owner)}">${hidden(view, 'create-link')}
      <label for="${id}-expires">Valid for</label>
      <select id="${id}-expires" name="expires_in">${LINK_LIFETIMES.map(
        ([seconds, label]) =>
          html`<option value="${String(seconds)}"${seconds === 86_400 ? html` selected` : ''}>${label}</option>`,
      )}</select>
      <label class="check"><input type="checkbox" name="single_use" value="1"> one person only</label>
      <button type="submit" class="small secondary">Create link</button>
    </form>
  </div>`;
}

/** "Share…" on a server's card: the dialog in a disclosure, open when the page was asked to. */
export function shareDisclosure(view: ShareDialogView, open: boolean): SafeHtml {
  const count = view.shares.length;
  return html`<details class="share" id="share-${view.label}"${open ? html` open` : ''}>
    <summary>Share…${count > 0 ? html` <span class="badge">${String(count)}</span>` : ''}</summary>
    ${shareDialog(view)}
  </details>`;
}
