// What the spawn form shows: the apps, and each field of the chosen app with its type, label,
// help, limits (and the lower limits per partition), default and current value. The form is
// rendered from this description only, and the server checks a start against the very same
// fields, so what the browser enforces and what the hub accepts cannot drift apart.
//
// The shape is that of GET /hub/api/users/{name}/spawn-form (the Slurm spawner's endpoint, with
// remembered values and per-partition limits). describeSpawnForm() builds it from the catalog
// here; switching to that endpoint is a matter of replacing its body with a callApi() GET.

import type { Kysely } from 'kysely';
import type { AppField } from '../../apps/definition.js';
import { checkField, type OptionValue } from '../../apps/fields.js';
import type { Database, UserRow } from '../../db/schema.js';
import { HubError } from '../../errors/index.js';
import { rememberedChoices } from '../../spawn/choices.js';
import type { Spawning } from '../../spawn/index.js';

export interface FormApp {
  id: string;
  title: string;
  description: string;
  icon: string;
}

export interface FormField {
  /** Key in `user_options`. */
  name: string;
  type: 'choice' | 'integer' | 'boolean' | 'home_path';
  label: string;
  help?: string | undefined;
  choices?: string[] | undefined;
  minimum?: number | undefined;
  /** The most any choice of the other fields allows. */
  maximum?: number | undefined;
  /** Lower maxima for each value of another (choice) field, e.g. the cores of each partition. */
  limits_by?: { field: string; maximum: Record<string, number> } | undefined;
  /** Chosen in the app's directory picker when the server starts, not in the form. */
  picker?: boolean | undefined;
  default: OptionValue;
  /** What the form shows: the user's last choice for this app if it still fits, else the default. */
  value: OptionValue;
  /** A choice with a single option: shown, nothing to choose. */
  fixed: boolean;
}

export interface FormDescription {
  app: string;
  apps: FormApp[];
  fields: FormField[];
  /** Whether values come from the user's last start of this app. */
  remembered: boolean;
}

/** The stored form of a home path (`a/b`, `.`) as a user would type it. */
const typedPath = (path: string) => (path === '.' ? '~' : path.startsWith('~') ? path : `~/${path}`);

function describeField(field: AppField, remembered: Record<string, OptionValue>): FormField {
  const last = Object.hasOwn(remembered, field.name) ? remembered[field.name] : undefined;
  const fits = last !== undefined && typeof checkField(field, last) !== 'object';
  let value = fits ? (last as OptionValue) : field.default;
  if (field.type === 'home_path' && typeof value === 'string') value = typedPath(value);
  return {
    ...field,
    value,
    fixed: field.type === 'choice' && field.choices.length === 1,
  };
}

/** The spawn form of `appId` (default: the first app) for `user`. */
export async function describeSpawnForm(
  db: Kysely<Database>,
  spawning: Spawning,
  user: UserRow,
  appId: string | undefined,
): Promise<FormDescription> {
  const { catalog, orchestrator } = spawning;
  const app = catalog.get(appId ?? catalog.apps[0]?.id ?? '');
  if (!app) {
    throw new HubError('validation_failed', undefined, {
      validations: [{ field: 'app', message: `Choose one of: ${catalog.apps.map((a) => a.id).join(', ')}.` }],
    });
  }
  const fields = catalog.fields(app, (await orchestrator.deps.spawnerFields?.(user, app.id)) ?? []);
  const remembered = await rememberedChoices(db, user.id, app.id);
  const described = fields.map((f) => describeField(f, remembered));
  // A remembered number above what its remembered partition allows falls back to the default.
  for (const f of described) {
    const by = f.limits_by && described.find((o) => o.name === f.limits_by?.field)?.value;
    const max = typeof by === 'string' ? f.limits_by?.maximum[by] : undefined;
    if (typeof f.value === 'number' && max !== undefined && f.value > max) f.value = f.default;
  }
  return {
    app: app.id,
    apps: catalog.apps.map(({ id, title, description, icon }) => ({ id, title, description, icon })),
    fields: described,
    remembered: Object.keys(remembered).length > 0,
  };
}
