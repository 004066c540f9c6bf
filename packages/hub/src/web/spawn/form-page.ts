// The spawn form: app tiles, the fields of the chosen app (and partition), "Reset form", and the
// hub's answer per field when a start was refused. Works without scripts: choosing another app
// and pressing Start shows that app's fields first (see routes.ts); spawn-form.js only makes
// that immediate and keeps the limits next to each field in step with the chosen partition.

import type { Principal } from '../../auth/scopes.js';
import type { FieldValidation } from '../../errors/index.js';
import type { SpawnForm } from '../../spawn/index.js';
import { appIconUrl } from '../../ui/assets.js';
import { html, type SafeHtml } from '../../ui/html.js';
import { csrfField, describedBy, errorSummary, errorsByField, fieldError, fieldId } from '../forms.js';
import { renderField, type Shown } from './fields.js';

export interface SpawnFormView {
  principal: Principal;
  owner: string;
  /** null: the default entry point, where the user may name the server. */
  serverName: string | null;
  form: SpawnForm;
  /** Values as submitted, shown again after a refusal. */
  submitted?: Record<string, string> | undefined;
  /** Show defaults instead of remembered values ("Reset form"). */
  reset?: boolean | undefined;
  next?: string | undefined;
  error?: string | undefined;
  validations?: FieldValidation[] | undefined;
  /** A note above the form (e.g. "these are the fields of RStudio"). */
  note?: string | undefined;
  /** The owner's default server is active, so an unnamed start would be refused. */
  defaultActive?: boolean | undefined;
}

function appTiles(view: SpawnFormView): SafeHtml {
  const { form } = view;
  return html`<fieldset class="apps">
    <legend>App</legend>
    <div class="tiles">${form.apps.map((a) => {
      const icon = appIconUrl(a.icon);
      return html`<label class="tile">
        <input type="radio" name="app" value="${a.id}"${a.id === form.app ? html` checked` : ''}>
        <span class="tile-body">${icon ? html`<img src="${icon}" alt="" width="40" height="40">` : ''}
          <span><strong>${a.title}</strong><span class="tile-text">${a.description}</span></span></span>
      </label>`;
    })}</div>
  </fieldset>`;
}

export function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Where the values shown come from, when not from the defaults. */
function prefillNote(form: SpawnForm, appTitle: string): string {
  if (form.from_preset !== undefined) return `Filled in from the preset “${form.from_preset}”.`;
  if (form.from_collection !== undefined) return `Filled in with what “${form.from_collection}” needs.`;
  if (form.from_server === undefined)
    return `Filled in with your choices from the last time you started ${appTitle}.`;
  const server = form.from_server === '' ? 'the default server' : `server ${form.from_server}`;
  return `Filled in with the settings ${server} last started with.`;
}

export function spawnFormBody(view: SpawnFormView): SafeHtml {
  const { form, owner, serverName } = view;
  const errors = errorsByField(view.validations);
  const shown: Shown = (f) => {
    const submitted = view.submitted?.[f.name];
    if (submitted !== undefined) return submitted;
    return String(view.reset ? f.default : f.value);
  };
  const base = `/hub/spawn/${encodeURIComponent(owner)}${serverName ? `/${encodeURIComponent(serverName)}` : ''}`;
  const title = serverName === null ? 'Start a server' : `Start server ${serverName}`;
  const forWhom = owner === view.principal.name ? '' : ` for ${owner}`;
  const known = new Set(['app', 'server_name', 'preset_name', ...form.fields.map((f) => f.name)]);
  const appTitle = form.apps.find((a) => a.id === form.app)?.title ?? form.app;
  return html`<div class="page-head"><h1>${title}${forWhom}</h1></div>
  ${errorSummary(view.error, view.validations, known)}
  ${view.note ? html`<div class="alert info" role="status">${view.note}</div>` : ''}
  <form method="post" action="${base}" class="panel spawn-form" id="spawn-form" data-app="${form.app}"
    data-reload="${base}${query({ next: view.next })}">
    ${csrfField(view.principal)}
    <input type="hidden" name="form_app" value="${form.app}">
    ${view.next ? html`<input type="hidden" name="next" value="${view.next}">` : ''}
    ${appTiles(view)}
    ${
      serverName === null
        ? html`<div class="field${errors.has('server_name') ? ' invalid' : ''}" data-field="server_name">
            <label for="${fieldId('server_name')}">Server name <span class="muted">(optional)</span></label>
            <input id="${fieldId('server_name')}" name="server_name" type="text" maxlength="40" autocapitalize="none"
              spellcheck="false" pattern="[a-z0-9][a-z0-9_\\-]{0,39}" value="${view.submitted?.server_name ?? ''}"
              ${view.defaultActive ? html`required` : ''} aria-describedby="${fieldId('server_name')}-hint${errors.has('server_name') ? ` ${fieldId('server_name')}-error` : ''}"${errors.has('server_name') ? html` aria-invalid="true"` : ''}>
            <p class="hint" id="${fieldId('server_name')}-hint">${
              view.defaultActive
                ? 'Your default server is already running: give this one a name, like "gpu-test".'
                : 'Leave empty for your default server, or name another one, like "gpu-test": lower-case letters, digits, "_" and "-".'
            }</p>
            ${fieldError('server_name', errors)}
          </div>`
        : ''
    }
    <fieldset class="fields">
      <legend>Options for ${appTitle}</legend>
      ${form.remembered && !view.reset && !view.submitted ? html`<p class="muted small">${prefillNote(form, appTitle)}</p>` : ''}
      ${form.fields.map((f) => renderField(f, form.fields, shown, errors))}
    </fieldset>
    <div class="form-actions">
      <button type="submit">Start</button>
      <a class="button secondary" href="${base}${query({ app: form.app, reset: '1', next: view.next })}">Reset form</a>
      <a href="/hub/home">Cancel</a>
    </div>
    <details class="save-preset"${errors.has('preset_name') || view.submitted?.preset_name ? html` open` : ''}>
      <summary>Save these settings as a preset</summary>
      <div class="field${errors.has('preset_name') ? ' invalid' : ''}">
        <label for="${fieldId('preset_name')}">Preset name</label>
        <input id="${fieldId('preset_name')}" name="preset_name" type="text" maxlength="80"
          placeholder="GPU analysis" value="${view.submitted?.preset_name ?? ''}"${describedBy('preset_name', errors)}>
        ${fieldError('preset_name', errors)}
      </div>
      <button type="submit" name="intent" value="save-preset" class="secondary" formnovalidate>Save as preset</button>
    </details>
  </form>`;
}
