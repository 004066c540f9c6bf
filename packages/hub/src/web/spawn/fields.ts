// One input per field of a form description, with its label, help, limits and error. Limits go
// on the input itself (min, max, required), so the browser enforces them before sending; a
// number limited per partition also carries those limits for spawn-form.js, which changes
// `max` and the hint when another partition is chosen; "Other software" carries its suggestions.
// The hub checks everything again.

import type { FormField } from '../../spawn/index.js';
import { html, type SafeHtml } from '../../ui/html.js';
import { describedBy, fieldError, fieldId } from '../forms.js';
import { resourcesText } from '../servers.js';

/** The text a field shows: submitted (after an error), else the description's current value. */
export type Shown = (field: FormField) => string;

/** The maximum of a number field given the value of the field it depends on. */
export function maximumFor(field: FormField, byValue: string | undefined): number | undefined {
  const own = field.limits_by && byValue !== undefined ? field.limits_by.maximum[byValue] : undefined;
  return own ?? field.maximum;
}

function limitText(field: FormField, max: number | undefined, byValue: string | undefined): string {
  const range = max !== undefined && field.minimum !== undefined ? `${field.minimum} to ${max}` : '';
  if (field.limits_by && byValue !== undefined && field.limits_by.maximum[byValue] !== undefined)
    return `${range} in ${field.limits_by.field} ${byValue}`;
  return range;
}

/** Fields whose values resourcesText() knows how to say ("16 cores · 64 GB"). */
const RESOURCE_NAMES = new Set(['cores', 'memory_gb', 'gpus', 'hours']);

/** For a choice that other fields' limits depend on (partitions): what each option allows. */
function optionNote(field: FormField, choice: string, all: FormField[]): string {
  const dependents = all.filter(
    (f) => f.limits_by?.field === field.name && f.limits_by.maximum[choice] !== undefined,
  );
  if (dependents.length === 0) return '';
  const max = (f: FormField) => f.limits_by?.maximum[choice] as number;
  const known = resourcesText(Object.fromEntries(dependents.map((f) => [f.name, max(f)])));
  const others = dependents.filter((f) => !RESOURCE_NAMES.has(f.name)).map((f) => `${f.label} ${max(f)}`);
  return ` (up to ${[known, ...others].filter(Boolean).join(' · ')})`;
}

function hint(field: FormField, extra: SafeHtml | string = ''): SafeHtml {
  return html`<p class="hint" id="${fieldId(field.name)}-hint">${extra}${extra && field.help ? ' · ' : ''}${field.help ?? ''}</p>`;
}

export function renderField(
  field: FormField,
  all: FormField[],
  shown: Shown,
  errors: Map<string, string>,
): SafeHtml {
  const id = fieldId(field.name);
  const value = shown(field);
  const error = fieldError(field.name, errors);
  const wrap = (inner: SafeHtml) =>
    html`<div class="field${errors.has(field.name) ? ' invalid' : ''}" data-field="${field.name}">${inner}${error}</div>`;

  switch (field.type) {
    case 'choice': {
      const choices = field.choices ?? [];
      if (field.fixed)
        return wrap(html`<span class="label">${field.label}</span>
          <p class="fixed-value" id="${id}">${choices[0] ?? value}</p>
          <input type="hidden" name="${field.name}" value="${choices[0] ?? value}">${hint(field)}`);
      return wrap(html`<label for="${id}">${field.label}</label>
        <select id="${id}" name="${field.name}" required${describedBy(field.name, errors, true)}>
          ${choices.map(
            (c) =>
              html`<option value="${c}"${c === value ? html` selected` : ''}>${c}${optionNote(field, c, all)}</option>`,
          )}
        </select>${hint(field)}`);
    }
    case 'integer': {
      const byField = field.limits_by ? all.find((f) => f.name === field.limits_by?.field) : undefined;
      const byValue = byField ? shown(byField) : undefined;
      const max = maximumFor(field, byValue);
      const limits = field.limits_by
        ? html` data-limits-by="${field.limits_by.field}" data-limits="${JSON.stringify(field.limits_by.maximum)}" data-maximum="${String(field.maximum ?? '')}"`
        : '';
      return wrap(html`<label for="${id}">${field.label}</label>
        <input id="${id}" name="${field.name}" type="number" inputmode="numeric" step="1" required
          ${field.minimum !== undefined ? html`min="${String(field.minimum)}"` : ''} ${max !== undefined ? html`max="${String(max)}"` : ''}
          value="${value}"${limits}${describedBy(field.name, errors, true)}>
        ${hint(field, html`<span class="limit">${limitText(field, max, byValue)}</span>`)}`);
    }
    case 'boolean':
      return wrap(html`<input type="hidden" name="${field.name}" value="false">
        <label class="check" for="${id}"><input id="${id}" type="checkbox" name="${field.name}" value="true"
          ${value === 'true' ? html`checked` : ''}${describedBy(field.name, errors, true)}> ${field.label}</label>${hint(field)}`);
    case 'home_path':
      if (field.picker)
        return wrap(html`<span class="label">${field.label}</span>
          <p class="fixed-value" id="${id}">Chosen in a directory browser, once the server has started.</p>${hint(field)}`);
      return wrap(html`<label for="${id}">${field.label}</label>
        <input id="${id}" name="${field.name}" type="text" autocapitalize="none" spellcheck="false"
          maxlength="1024" value="${value}"${describedBy(field.name, errors, true)}>
        ${hint(field, 'A path in your home directory, like ~/project')}`);
    case 'modules':
      return wrap(softwareInput(field, value, errors));
  }
}

/**
 * "Other software": names typed into one line, suggested from the modules the hub listed — by the
 * browser from the `<datalist>` (for the first name; spawn-form.js makes it suggest for the name
 * being typed, wherever it is), and in a list to read, which needs no script at all.
 */
function softwareInput(field: FormField, value: string, errors: Map<string, string>): SafeHtml {
  const id = fieldId(field.name);
  const names = field.suggestions ?? [];
  const listed = names.length > 0;
  return html`<label for="${id}">${field.label}</label>
    <input id="${id}" name="${field.name}" type="text" autocapitalize="none" autocomplete="off" spellcheck="false"
      value="${value}"${listed ? html` list="${id}-list" data-suggest` : ''}${describedBy(field.name, errors, true)}>
    ${listed ? html`<datalist id="${id}-list">${names.map((n) => html`<option value="${n}">`)}</datalist>` : ''}
    ${hint(field)}
    ${
      listed
        ? html`<details class="module-list"><summary>Modules on this cluster (${String(names.length)})</summary>
          <ul>${names.map((n) => html`<li>${n}</li>`)}</ul></details>`
        : ''
    }`;
}
