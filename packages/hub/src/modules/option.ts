// The `modules` option of a start: the modules a user wants loaded in their job, after the app's
// ("Other software"). It arrives as typed text or a JSON list next to the form's fields; it is
// checked against the site's rules (names.ts) together with them, so that one answer lists every
// bad field, and is stored as the names joined by single spaces (names never hold spaces) to be
// remembered and shown like every other option.
import { type FieldValidation, HubError } from '../errors/index.js';
import { checkModuleList, type ModuleRules } from './names.js';

export const MODULES_OPTION = 'modules';

/**
 * Splits `modules` off the submitted options and checks it; `validate` checks the rest (the
 * form's fields). Throws one validation_failed with the problems of both. Without `rules` (an app
 * whose form has no "Other software" field) nothing is split off: `validate` sees `modules` too,
 * and refuses it as an option the form does not have.
 */
export function validateWithModules<T>(
  submitted: Record<string, unknown>,
  rules: ModuleRules | undefined,
  validate: (rest: Record<string, unknown>) => T,
): { values: T; modules: string[] } {
  if (!rules) return { values: validate(submitted), modules: [] };
  const { [MODULES_OPTION]: raw, ...rest } = submitted;
  const checked = checkModuleList(raw, rules);
  const problems: FieldValidation[] = Array.isArray(checked)
    ? []
    : [{ field: MODULES_OPTION, message: checked.problem }];
  let values: T;
  try {
    values = validate(rest);
  } catch (err) {
    if (err instanceof HubError && err.code === 'validation_failed' && problems.length > 0)
      throw new HubError('validation_failed', undefined, {
        validations: [...(err.validations ?? []), ...problems],
      });
    throw err;
  }
  if (!Array.isArray(checked)) throw new HubError('validation_failed', undefined, { validations: problems });
  return { values, modules: checked };
}

/** The option's stored form: the names joined by spaces, or nothing for none. */
export function storedModules(modules: readonly string[]): Record<string, string> {
  return modules.length > 0 ? { [MODULES_OPTION]: modules.join(' ') } : {};
}
