// Small pieces every form of the pages shares: the CSRF field, reading urlencoded bodies, running
// the action a form asks for, and showing per-field validations next to their fields.
import { Type } from '@sinclair/typebox';
import type { Principal } from '../auth/scopes.js';
import { type FieldValidation, HubError } from '../errors/index.js';
import { html, type SafeHtml } from '../ui/html.js';

/** A urlencoded form body: repeated names (checkboxes) arrive as arrays. */
export type FormBody = Record<string, string | string[] | undefined>;

/** A form body schema: any fields of bounded text, `_xsrf` always allowed (the principal plugin checks it). */
export const FormBodySchema = Type.Record(
  Type.String({ maxLength: 60 }),
  Type.Union([
    Type.String({ maxLength: 20000 }),
    Type.Array(Type.String({ maxLength: 2000 }), { maxItems: 50 }),
  ]),
  { maxProperties: 60 },
);

/** The hidden field with the session's CSRF token; every form that changes something has one. */
export function csrfField(principal: Principal | null): SafeHtml {
  return html`<input type="hidden" name="_xsrf" value="${principal?.csrfToken ?? ''}">`;
}

/** One value of a field: the last one when a name was sent more than once (hidden default + checkbox). */
export function formValue(body: FormBody, name: string): string | undefined {
  const v = body[name];
  return Array.isArray(v) ? v.at(-1) : v;
}

/** Every value of a field (checkbox groups). */
export function formValues(body: FormBody, name: string): string[] {
  const v = body[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/**
 * Runs what a form asks for. A refusal the person can act on (a HubError below 500: a field to
 * change, a name that is taken) comes back to be shown with the form; anything else goes on to
 * the error page.
 */
export async function attempt<T>(
  action: () => Promise<T>,
): Promise<{ ok: true; value: T } | { ok: false; refusal: HubError }> {
  try {
    return { ok: true, value: await action() };
  } catch (err) {
    if (err instanceof HubError && err.status < 500) return { ok: false, refusal: err };
    throw err;
  }
}

/** Validations by field name, the first message of each. */
export function errorsByField(validations: readonly FieldValidation[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const v of validations ?? []) if (!out.has(v.field)) out.set(v.field, v.message);
  return out;
}

/** An id for a field's input, stable and safe in HTML. */
export const fieldId = (name: string) => `f-${name.replace(/[^a-z0-9_-]/gi, '_')}`;

/** The message under an invalid field (its id is in the input's aria-describedby). */
export function fieldError(name: string, errors: Map<string, string>): SafeHtml {
  const message = errors.get(name);
  return message ? html`<p class="field-error" id="${fieldId(name)}-error">${message}</p>` : html``;
}

/** Attributes of an input that may carry an error: aria-invalid and the ids describing it. */
export function describedBy(name: string, errors: Map<string, string>, hint = false): SafeHtml {
  const ids = [hint ? `${fieldId(name)}-hint` : '', errors.has(name) ? `${fieldId(name)}-error` : '']
    .filter(Boolean)
    .join(' ');
  return html`${ids ? html` aria-describedby="${ids}"` : ''}${errors.has(name) ? html` aria-invalid="true"` : ''}`;
}

/**
 * The alert at the top of a form that did not go through: the general message, and each field
 * problem linked to its field (for keyboard and screen-reader users).
 */
export function errorSummary(
  message: string | undefined,
  validations: readonly FieldValidation[] = [],
  known: ReadonlySet<string> = new Set(),
): SafeHtml {
  if (!message && validations.length === 0) return html``;
  return html`<div class="alert error" role="alert" id="form-errors" tabindex="-1">
    ${message ? html`<p>${message}</p>` : ''}
    ${
      validations.length > 0
        ? html`<ul>${validations.map((v) =>
            known.has(v.field)
              ? html`<li><a href="#${fieldId(v.field)}">${v.message}</a></li>`
              : html`<li>${v.field}: ${v.message}</li>`,
          )}</ul>`
        : ''
    }
  </div>`;
}
