// The API tokens page: the new token (shown once, right after it was made), the form to make one
// (note, expiry, scopes), and the list of the user's tokens with a revoke button each.
import { type Principal, SCOPES, type Scope } from '../../auth/scopes.js';
import { tokenScopes } from '../../auth/tokens.js';
import type { TokenRow } from '../../db/schema.js';
import type { FieldValidation } from '../../errors/index.js';
import { html, type SafeHtml } from '../../ui/html.js';
import { formatDate } from '../format.js';
import { csrfField, describedBy, errorSummary, errorsByField, fieldError } from '../forms.js';

/** Expiry choices of the form, in days; 0 is "never" (offered only when the hub has no maximum). */
export const EXPIRY_DAYS = [0, 1, 7, 30, 90, 365] as const;

export interface TokensView {
  principal: Principal;
  tokens: TokenRow[];
  grantable: Scope[];
  /** Longest lifetime allowed, in seconds; 0: none. */
  maxSeconds: number;
  created?: { token: string; note: string } | undefined;
  done?: string | undefined;
  error?: string | undefined;
  validations?: FieldValidation[] | undefined;
  values?: { note: string; expires: string; scopes: string[] } | undefined;
}

function expiryLabel(days: number): string {
  return days === 0 ? 'Never' : days === 1 ? '1 day' : `${days} days`;
}

export function tokensBody(view: TokensView): SafeHtml {
  const errors = errorsByField(view.validations);
  const values = view.values ?? { note: '', expires: '30', scopes: ['self'] };
  const expiries = EXPIRY_DAYS.filter((d) =>
    view.maxSeconds === 0 ? true : d !== 0 && d * 86400 <= view.maxSeconds,
  );
  return html`<div class="page-head"><h1>API tokens</h1></div>
    <p class="muted">Tokens let scripts and programs use the <a href="/hub/api/openapi.json">REST API</a> as you:
      send <code>Authorization: token &lt;token&gt;</code>. Keep them secret; revoke the ones you no longer use.</p>
    ${view.done ? html`<div class="alert ok" role="status">${view.done}</div>` : ''}
    ${
      view.created
        ? html`<section class="alert ok" aria-labelledby="new-token-title" id="new-token">
            <h2 id="new-token-title">Your new token${view.created.note ? html` “${view.created.note}”` : ''}</h2>
            <p>Copy it now: it is not shown again.</p>
            <label for="token-value">Token</label>
            <input id="token-value" class="token-value" type="text" readonly value="${view.created.token}" autocomplete="off" spellcheck="false">
          </section>`
        : ''
    }
    ${errorSummary(view.error, view.validations, new Set(['note', 'expires_in', 'scopes']))}
    <section class="panel" aria-labelledby="create-title">
      <h2 id="create-title">Create a token</h2>
      <form method="post" action="/hub/tokens">
        ${csrfField(view.principal)}
        <div class="form-grid two">
          <div class="field${errors.has('note') ? ' invalid' : ''}"><label for="f-note">Note</label>
            <input id="f-note" name="note" type="text" maxlength="1000" placeholder="What is it for?" value="${values.note}"${describedBy('note', errors)}>
            ${fieldError('note', errors)}</div>
          <div class="field${errors.has('expires_in') ? ' invalid' : ''}"><label for="f-expires_in">Expires after</label>
            <select id="f-expires_in" name="expires"${describedBy('expires_in', errors)}>
              ${expiries.map((d) => html`<option value="${String(d)}"${String(d) === values.expires ? html` selected` : ''}>${expiryLabel(d)}</option>`)}
            </select>${fieldError('expires_in', errors)}</div>
        </div>
        <fieldset class="field${errors.has('scopes') ? ' invalid' : ''}" id="f-scopes">
          <legend class="label">Scopes</legend>
          <div class="checks">${view.grantable.map(
            (
              s,
            ) => html`<label><input type="checkbox" name="scopes" value="${s}"${values.scopes.includes(s) ? html` checked` : ''}>
              <span><code>${s}</code> <span class="muted small">${SCOPES[s]}</span></span></label>`,
          )}</div>
          ${fieldError('scopes', errors)}
        </fieldset>
        <div class="form-actions"><button type="submit">Create token</button></div>
      </form>
    </section>
    <section class="panel" aria-labelledby="list-title">
      <h2 id="list-title">Your tokens</h2>
      ${
        view.tokens.length === 0
          ? html`<p class="muted">You have no tokens.</p>`
          : html`<div class="table-wrap"><table class="stack">
            <thead><tr><th scope="col">Note</th><th scope="col">Starts with</th><th scope="col">Scopes</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Last used</th><th scope="col"><span class="muted">Revoke</span></th></tr></thead>
            <tbody>${view.tokens.map(
              (t) => html`<tr data-token="${String(t.id)}">
                <td>${t.note || html`<span class="muted">no note</span>`}</td>
                <td data-label="Starts with"><code>${t.prefix}…</code></td>
                <td data-label="Scopes">${tokenScopes(t).join(', ')}</td>
                <td data-label="Created">${formatDate(t.created)}</td>
                <td data-label="Expires">${t.expires_at ? formatDate(t.expires_at) : 'never'}</td>
                <td data-label="Last used">${t.last_activity ? formatDate(t.last_activity) : html`<span class="muted">never</span>`}</td>
                <td class="row-actions"><form class="inline" method="post" action="/hub/tokens/${String(t.id)}/revoke">${csrfField(view.principal)}
                  <button type="submit" class="danger small" aria-label="Revoke ${t.note || `${t.prefix}…`}">Revoke</button></form></td>
              </tr>`,
            )}</tbody></table></div>`
      }
    </section>`;
}
