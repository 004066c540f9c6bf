// The spawn form as one user sees it, and a start's options checked against that very form: the
// app's fields with those the spawner offers this user, the "Other software" field with the
// modules as last listed, and the values to show (a preset's, those of the server being started
// again, or the user's last choices). form.ts describes a form from these; the spawning service
// answers its describeForm and checks every start and preset here.
import type { AppDefinition, AppField } from '../apps/definition.js';
import { type OptionValues, validateOptions } from '../apps/fields.js';
import type { UserRow } from '../db/schema.js';
import { type SoftwareField, softwareField } from '../modules/field.js';
import { storedModules, validateWithModules } from '../modules/option.js';
import { parseOptions, rememberedChoices } from './choices.js';
import type { SpawningDeps } from './contracts.js';
import { chooseApp, describeForm, type Prefill, type SpawnForm } from './form.js';
import { findServer } from './servers-store.js';

/** What a user's form is made from. */
export type FormSources = Pick<SpawningDeps, 'db' | 'config' | 'catalog' | 'spawner' | 'modules'>;

/** Which form to describe (see SpawningService.describeForm). */
export interface FormChoice {
  app?: string;
  server?: string;
  /** Values to show instead of the remembered ones: a preset's, or what a notebook collection needs. */
  preset?: { title: string; values: OptionValues; kind?: 'preset' | 'collection' };
}

/** The spawn form for `user` of `choice`, pre-filled (see SpawningService.describeForm). */
export async function userForm(sources: FormSources, user: UserRow, choice: FormChoice): Promise<SpawnForm> {
  const { db, catalog } = sources;
  const earlier = choice.server === undefined ? undefined : await findServer(db, user.id, choice.server);
  const offered = earlier && catalog.get(earlier.app) ? earlier.app : undefined;
  const app = chooseApp(catalog, choice.app ?? offered);
  const fields = await formFields(sources, user, app);
  // A preset's values are checked against today's form like remembered ones: what no longer fits shows the default.
  const prefill: Prefill = choice.preset
    ? { values: choice.preset.values, [choice.preset.kind ?? 'preset']: choice.preset.title }
    : earlier
      ? { values: parseOptions(earlier.options), server: earlier.name }
      : { values: await rememberedChoices(db, user.id, app.id) };
  return describeForm(catalog, app, fields, prefill, software(sources, app));
}

/**
 * A start's options (the form's values, `app` naming the app) checked against the user's form:
 * the app, and the options as a start stores them, `app` and modules included. A bad value is a
 * 400 per field.
 */
export async function checkedOptions(
  sources: FormSources,
  user: UserRow,
  options: Record<string, unknown>,
): Promise<{ app: AppDefinition; options: OptionValues }> {
  const { app: appId, ...submitted } = options;
  const app = chooseApp(sources.catalog, appId);
  const fields = await formFields(sources, user, app);
  // The user's modules: names the module system listed (or the site's pattern), never shell text.
  const { values, modules } = validateWithModules(submitted, software(sources, app)?.rules, (rest) =>
    validateOptions(fields, rest),
  );
  return { app, options: { app: app.id, ...values, ...storedModules(modules) } as OptionValues };
}

/** The "Other software" field of the app's form, with the modules as last listed. */
function software(sources: FormSources, app: AppDefinition): SoftwareField | undefined {
  return softwareField(sources.config, app.id, sources.modules.current());
}

async function formFields(sources: FormSources, user: UserRow, app: AppDefinition): Promise<AppField[]> {
  return sources.catalog.fields(app, (await sources.spawner.formFields?.(user, app.id)) ?? []);
}
