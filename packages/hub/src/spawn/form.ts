// The spawn form, described once: the apps, and each field of the chosen app with its type,
// label, help, limits (per partition with Slurm), default and the value to show — the user's
// last choice for this app (or the settings of the server being started again) when it still
// fits, else the default. The web form is rendered from this description, the REST API answers
// it, and a start is validated against the very same fields (apps/fields.ts, and for "Other
// software" modules/option.ts with the same rules), so what the browser offers and what the hub
// accepts cannot drift.
import { type Static, Type } from '@sinclair/typebox';
import type { AppCatalog } from '../apps/catalog.js';
import type { AppDefinition, AppField } from '../apps/definition.js';
import { checkField, type OptionValues, validateOptions } from '../apps/fields.js';
import { HubError } from '../errors/index.js';
import type { SoftwareField } from '../modules/field.js';
import { keptNames } from '../modules/names.js';

const Value = Type.Union([Type.String(), Type.Integer(), Type.Boolean()]);

const FormFieldSchema = Type.Object(
  {
    name: Type.String({ description: 'Key in `user_options`.' }),
    type: Type.Union([
      Type.Literal('choice'),
      Type.Literal('integer'),
      Type.Literal('boolean'),
      Type.Literal('home_path'),
      Type.Literal('modules'),
    ]),
    label: Type.String(),
    help: Type.Optional(Type.String()),
    choices: Type.Optional(Type.Array(Type.String())),
    minimum: Type.Optional(Type.Integer()),
    maximum: Type.Optional(Type.Integer({ description: 'The most any choice of the other fields allows.' })),
    limits_by: Type.Optional(
      Type.Object({
        field: Type.String(),
        maximum: Type.Record(Type.String(), Type.Integer(), {
          description: 'The maximum for each value of `field` (e.g. the cores of each partition).',
        }),
      }),
    ),
    suggestions: Type.Optional(
      Type.Array(Type.String(), {
        description:
          'For `modules` ("Other software": environment modules to load, separated by spaces): the full ' +
          'names the module system lists, as the hub last listed them. Names without a version (`gcc`) ' +
          'are accepted too.',
      }),
    ),
    picker: Type.Optional(
      Type.Boolean({ description: 'Chosen in the directory picker when the server starts.' }),
    ),
    default: Value,
    value: Type.Union([Type.String(), Type.Integer(), Type.Boolean()], {
      description:
        'What the form shows: the user’s last choice for this app (or, with `from_server`, that server’s) ' +
        'if it still fits, else the default. For `modules`, each remembered module that is no longer ' +
        'acceptable (gone from the cluster) is dropped and the rest kept.',
    }),
    fixed: Type.Boolean({ description: 'A choice with a single option: show it, nothing to choose.' }),
  },
  { additionalProperties: false },
);

export const SpawnFormSchema = Type.Object(
  {
    app: Type.String({ description: 'The app this form is for.' }),
    apps: Type.Array(
      Type.Object({
        id: Type.String(),
        title: Type.String(),
        description: Type.String(),
        icon: Type.String(),
      }),
    ),
    fields: Type.Array(FormFieldSchema),
    remembered: Type.Boolean({
      description:
        'Whether values come from an earlier start (the user’s last of this app, or `from_server`) or from `from_preset`.',
    }),
    from_preset: Type.Optional(
      Type.String({
        description: 'The preset (its title) the values come from, when the form was asked for with one.',
      }),
    ),
    from_collection: Type.Optional(
      Type.String({
        description: 'The notebook collection (its title) whose app and resources the values are.',
      }),
    ),
    from_server: Type.Optional(
      Type.String({
        description:
          'The server whose last start the values come from (`""` is the default server), when the form ' +
          'was asked for with `server`.',
      }),
    ),
  },
  { $id: 'SpawnForm', additionalProperties: false },
);

export type SpawnForm = Static<typeof SpawnFormSchema>;
export type FormField = SpawnForm['fields'][number];

/** The app a start or a form is for: `id`, or the catalog's first app when none is named. */
export function chooseApp(catalog: AppCatalog, id: unknown): AppDefinition {
  const app = catalog.get(typeof id === 'string' ? id : (catalog.apps[0]?.id ?? ''));
  if (app) return app;
  throw new HubError('validation_failed', undefined, {
    validations: [{ field: 'app', message: `Choose one of: ${catalog.apps.map((a) => a.id).join(', ')}.` }],
  });
}

/** A stored home path (`a/b`, `.`) as a user would type it. */
const typedPath = (path: string) => (path === '.' ? '~' : `~/${path}`);

/**
 * The values to show: each remembered value that still fits its field (a partition that is gone,
 * a path no longer acceptable, an option the form no longer has are not offered), the default
 * for the rest. A number limited by another field's value (cores per partition) is kept only
 * within that limit; otherwise, and when nothing was remembered, it is the default capped at the
 * limit, so a remembered partition comes with values it allows. A remembered choice whose limits
 * cannot be met at all is dropped for the default choice.
 */
function currentValues(fields: readonly AppField[], remembered: OptionValues): OptionValues {
  const chosen: OptionValues = {};
  for (const field of fields) {
    if (!Object.hasOwn(remembered, field.name)) continue;
    const checked = checkField(field, remembered[field.name]);
    if (typeof checked !== 'object') chosen[field.name] = checked;
  }
  for (let pass = 0; pass < 2; pass++) {
    const unmet = fitToLimits(fields, chosen);
    if (unmet.length === 0) break;
    for (const by of unmet) delete chosen[by];
  }
  try {
    return validateOptions(fields, chosen);
  } catch {
    return validateOptions(fields, {});
  }
}

/**
 * Brings the numbers limited by another field's value within that limit (see currentValues);
 * returns the fields whose chosen value leaves some number no possible value.
 */
function fitToLimits(fields: readonly AppField[], chosen: OptionValues): string[] {
  const unmet: string[] = [];
  for (const field of fields) {
    if (field.type !== 'integer' || !field.limits_by) continue;
    const byField = fields.find((f) => f.name === field.limits_by?.field);
    const by = chosen[field.limits_by.field] ?? byField?.default;
    const max = typeof by === 'string' ? field.limits_by.maximum[by] : undefined;
    if (max === undefined) continue;
    if (max < field.minimum) {
      unmet.push(field.limits_by.field);
      continue;
    }
    const value = chosen[field.name];
    if (typeof value !== 'number' || value > max)
      chosen[field.name] = Math.max(field.minimum, Math.min(field.default, max));
  }
  return unmet;
}

/** Where a form's values come from, beyond the defaults. */
export interface Prefill {
  /** The user's last choices for the app, or the options of the server being started again. */
  values: OptionValues;
  /** The server those values are from, when it is one. */
  server?: string | undefined;
  /** The preset those values are from, when it is one. */
  preset?: string | undefined;
  /** The notebook collection those values are from, when it is one. */
  collection?: string | undefined;
}

/** The "Other software" field with the modules still acceptable of those remembered. */
function softwareEntry(software: SoftwareField, remembered: OptionValues): FormField {
  return {
    name: software.name,
    type: 'modules',
    label: software.label,
    help: software.help,
    suggestions: [...software.suggestions],
    default: '',
    value: keptNames(remembered[software.name], software.rules).join(' '),
    fixed: false,
  };
}

/**
 * The form of `app` with `fields` (the spawner's and the app's), pre-filled from `prefill`, and
 * with the "Other software" field (before the custom script, which runs after the modules) when
 * the app's form has one.
 */
export function describeForm(
  catalog: AppCatalog,
  app: AppDefinition,
  fields: readonly AppField[],
  prefill: Prefill,
  software?: SoftwareField,
): SpawnForm {
  const remembered = prefill.values;
  const values = currentValues(fields, remembered);
  const described: FormField[] = fields.map((field) => {
    const value = values[field.name] ?? field.default;
    return {
      ...field,
      value: field.type === 'home_path' && typeof value === 'string' ? typedPath(value) : value,
      fixed: field.type === 'choice' && field.choices.length === 1,
    };
  });
  if (software) {
    const at = described.findIndex((f) => f.name === 'custom_script');
    described.splice(at < 0 ? described.length : at, 0, softwareEntry(software, remembered));
  }
  return {
    app: app.id,
    apps: catalog.apps.map(({ id, title, description, icon }) => ({ id, title, description, icon })),
    fields: described,
    remembered: Object.keys(remembered).length > 0,
    ...(prefill.server !== undefined && { from_server: prefill.server }),
    ...(prefill.preset !== undefined && { from_preset: prefill.preset }),
    ...(prefill.collection !== undefined && { from_collection: prefill.collection }),
  };
}
