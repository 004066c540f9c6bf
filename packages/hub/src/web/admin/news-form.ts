// The admin's news screens: the list of every item with its state, and the form to post or edit
// one (kind, title, Markdown body, when it is shown). Times are in the hub's time zone.
import type { Principal } from '../../auth/scopes.js';
import type { FieldValidation } from '../../errors/index.js';
import { type NewsWithAuthor, newsState } from '../../news/store.js';
import { html, type SafeHtml } from '../../ui/html.js';
import { renderMarkdown } from '../../ui/markdown.js';
import { formatDate, timeZoneName } from '../format.js';
import { csrfField, describedBy, errorSummary, errorsByField, fieldError } from '../forms.js';

export interface NewsFormValues {
  kind: string;
  title: string;
  body: string;
  starts_at: string;
  ends_at: string;
}

export const EMPTY_NEWS: NewsFormValues = { kind: 'news', title: '', body: '', starts_at: '', ends_at: '' };

const STATE_TEXT = { scheduled: 'scheduled', current: 'shown now', ended: 'ended' } as const;

export function newsList(items: NewsWithAuthor[], principal: Principal | null): SafeHtml {
  if (items.length === 0) return html`<p class="muted">Nothing posted yet.</p>`;
  return html`<div class="table-wrap"><table class="stack">
    <thead><tr><th scope="col">Title</th><th scope="col">Kind</th><th scope="col">State</th><th scope="col">Shown</th><th scope="col">Actions</th></tr></thead>
    <tbody>${items.map((item) => {
      const state = newsState(item);
      return html`<tr data-news="${String(item.id)}">
        <td><strong>${item.title}</strong><div class="prose small muted">${renderMarkdown(item.body.length > 300 ? `${item.body.slice(0, 300)}…` : item.body)}</div></td>
        <td data-label="Kind">${item.kind === 'maintenance' ? html`<span class="badge warn">maintenance</span>` : 'news'}</td>
        <td data-label="State">${STATE_TEXT[state]}</td>
        <td class="small" data-label="Shown">from ${formatDate(item.starts_at ?? item.created)}<br>${item.ends_at ? `until ${formatDate(item.ends_at)}` : 'until deleted'}</td>
        <td class="row-actions"><div class="actions">
          <a class="button secondary small" href="/hub/admin/news/${String(item.id)}" aria-label="Edit ${item.title}">Edit</a>
          <form class="inline" method="post" action="/hub/admin/news/${String(item.id)}/delete">${csrfField(principal)}
            <button type="submit" class="danger small" aria-label="Delete ${item.title}">Delete</button></form>
        </div></td>
      </tr>`;
    })}</tbody></table></div>`;
}

export function newsForm(opts: {
  principal: Principal | null;
  action: string;
  values: NewsFormValues;
  submitLabel: string;
  error?: string | undefined;
  validations?: FieldValidation[] | undefined;
}): SafeHtml {
  const v = opts.values;
  const errors = errorsByField(opts.validations);
  const known = new Set(['kind', 'title', 'body', 'starts_at', 'ends_at']);
  const field = (name: string, label: string, input: SafeHtml, hint = '') =>
    html`<div class="field${errors.has(name) ? ' invalid' : ''}"><label for="f-${name}">${label}</label>${input}
      ${hint ? html`<p class="hint" id="f-${name}-hint">${hint}</p>` : ''}${fieldError(name, errors)}</div>`;
  return html`${errorSummary(opts.error, opts.validations, known)}
    <form method="post" action="${opts.action}" class="news-form">
      ${csrfField(opts.principal)}
      ${field(
        'kind',
        'Kind',
        html`<select id="f-kind" name="kind"${describedBy('kind', errors, true)}>
          <option value="news"${v.kind !== 'maintenance' ? html` selected` : ''}>News (in the news panel)</option>
          <option value="maintenance"${v.kind === 'maintenance' ? html` selected` : ''}>Maintenance (a banner on every page)</option>
        </select>`,
        'Maintenance notices appear as a banner above every page, the login page included.',
      )}
      ${field('title', 'Title', html`<input id="f-title" name="title" type="text" required maxlength="200" value="${v.title}"${describedBy('title', errors)}>`)}
      ${field(
        'body',
        'Text',
        html`<textarea id="f-body" name="body" maxlength="20000"${describedBy('body', errors, true)}>${v.body}</textarea>`,
        'Markdown: paragraphs, - lists, **bold**, *italic*, `code`, [links](https://…). HTML is shown as text.',
      )}
      <div class="form-grid two">
        ${field('starts_at', 'Show from', html`<input id="f-starts_at" name="starts_at" type="datetime-local" value="${v.starts_at}"${describedBy('starts_at', errors, true)}>`, `Empty: at once. Times in ${timeZoneName()}.`)}
        ${field('ends_at', 'Show until', html`<input id="f-ends_at" name="ends_at" type="datetime-local" value="${v.ends_at}"${describedBy('ends_at', errors, true)}>`, 'Empty: until you delete it.')}
      </div>
      <div class="form-actions"><button type="submit">${opts.submitLabel}</button><a href="/hub/admin/news">Cancel</a></div>
    </form>`;
}
