// Validation of the values a user submits for a server (`user_options`): every field has a
// schema, and a value is accepted only if it fits it exactly. Nothing here is ever passed to a
// shell unquoted, but values are still held to narrow alphabets so that a mistake elsewhere
// cannot turn into an injection.
import { type FieldValidation, HubError } from '../errors/index.js';
import type { AppField } from './definition.js';

export type OptionValue = string | number | boolean;
export type OptionValues = Record<string, OptionValue>;

// Letters, digits, space and . _ + , @ = : - / — enough for real directory names, and none of
// the characters a shell, a path traversal or a Slurm directive could make use of.
const HOME_PATH = /^[\p{L}\p{N} ._+,@=:/-]+$/u;

/** A home-relative path as stored: no leading `~/` or `/`, no `..`, `.` for the home itself. */
export function normaliseHomePath(raw: string): string | { problem: string } {
  let path = raw.trim();
  if (path.length === 0) return { problem: 'A path is required.' };
  if (path.length > 1024) return { problem: 'A path has at most 1024 characters.' };
  if (path === '~') return '.';
  if (path.startsWith('~/')) path = path.slice(2);
  else if (path.startsWith('/') || path.startsWith('~')) {
    return { problem: 'Give a path inside your home directory, like ~/project or project.' };
  }
  if (path !== '' && !HOME_PATH.test(path)) {
    return { problem: 'A path may contain only letters, digits, spaces and . _ + , @ = : - /.' };
  }
  const parts = path.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) return { problem: 'A path may not go up with "..".' };
  return parts.length === 0 ? '.' : parts.join('/');
}

/** Checks one submitted value against its field; returns the value to keep, or a problem. */
export function checkField(field: AppField, raw: unknown): OptionValue | { problem: string } {
  switch (field.type) {
    case 'choice':
      if (typeof raw !== 'string' || !field.choices.includes(raw)) {
        return { problem: `Choose one of: ${field.choices.join(', ')}.` };
      }
      return raw;
    case 'integer': {
      const value = typeof raw === 'string' && /^-?\d{1,12}$/.test(raw.trim()) ? Number(raw) : raw;
      if (typeof value !== 'number' || !Number.isSafeInteger(value))
        return { problem: 'Give a whole number.' };
      if (value < field.minimum || value > field.maximum) {
        return { problem: `Give a number from ${field.minimum} to ${field.maximum}.` };
      }
      return value;
    }
    case 'boolean':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === 'on') return true;
      if (raw === 'false' || raw === 'off') return false;
      return { problem: 'Give true or false.' };
    case 'home_path':
      if (typeof raw !== 'string') return { problem: 'Give a path inside your home directory.' };
      return normaliseHomePath(raw);
  }
}

/**
 * Validates submitted options against the fields, filling defaults for absent ones. Unknown
 * keys are errors (a typo must not silently start a server with defaults). Throws one
 * validation_failed error listing every bad field.
 */
export function validateOptions(
  fields: readonly AppField[],
  submitted: Record<string, unknown>,
): OptionValues {
  const out: OptionValues = {};
  const validations: FieldValidation[] = [];
  const known = new Set(fields.map((f) => f.name));
  for (const key of Object.keys(submitted)) {
    if (!known.has(key)) validations.push({ field: key, message: `Unknown option ${key}.` });
  }
  for (const field of fields) {
    const raw = Object.hasOwn(submitted, field.name) ? submitted[field.name] : undefined;
    const checked =
      raw === undefined || raw === '' ? checkField(field, field.default) : checkField(field, raw);
    if (typeof checked === 'object') validations.push({ field: field.name, message: checked.problem });
    else out[field.name] = checked;
  }
  validations.push(...dependentLimitProblems(fields, out));
  if (validations.length > 0) throw new HubError('validation_failed', undefined, { validations });
  return out;
}

/**
 * The second pass, once every value is known: integer fields whose maximum depends on another
 * field's value (`limits_by`, e.g. the cores of the chosen partition).
 */
function dependentLimitProblems(fields: readonly AppField[], values: OptionValues): FieldValidation[] {
  const problems: FieldValidation[] = [];
  for (const field of fields) {
    if (field.type !== 'integer' || !field.limits_by) continue;
    const value = values[field.name];
    const by = values[field.limits_by.field];
    if (typeof value !== 'number' || typeof by !== 'string') continue;
    const max = field.limits_by.maximum[by];
    if (max === undefined || value <= max) continue;
    const label = fields.find((f) => f.name === field.limits_by?.field)?.label ?? field.limits_by.field;
    problems.push({
      field: field.name,
      message:
        max < field.minimum
          ? `${label} ${by} does not offer this; choose another ${label.toLowerCase()}.`
          : `${label} ${by} allows at most ${max}; give a number from ${field.minimum} to ${max}.`,
    });
  }
  return problems;
}
