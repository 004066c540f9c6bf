// The spawn form's "Other software" field, as far as modules are concerned: whether an app's form
// has it (`modules.field_apps`), its label (`modules.field_label`), the rules a value is held to
// (names.ts, with the names of the last listing) and the names to suggest (that listing, as the
// catalogue keeps and refreshes it). The form description (spawn/form.ts) turns this into a field
// like the others; a start checks the value with the same rules (option.ts).
import type { HubConfig } from '../config/index.js';
import { type ModuleRules, moduleRules } from './names.js';
import { MODULES_OPTION } from './option.js';

export interface SoftwareField {
  name: typeof MODULES_OPTION;
  label: string;
  help: string;
  rules: ModuleRules;
  /** Full module names as last listed, sorted: what the field suggests. */
  suggestions: readonly string[];
}

/** What the hub last listed of the nodes' modules (absent while no listing has succeeded). */
export interface Listing {
  names: readonly string[];
  known: ReadonlySet<string>;
}

/** Whether the form of app `appId` has the field. */
function hasSoftwareField(config: Pick<HubConfig, 'modules'>, appId: string): boolean {
  const apps = config.modules.field_apps;
  return apps.includes('*') || apps.includes(appId);
}

/** The field of app `appId`'s form, or undefined when the site leaves it out of that app. */
export function softwareField(
  config: Pick<HubConfig, 'modules'>,
  appId: string,
  listing: Listing | undefined,
): SoftwareField | undefined {
  if (!hasSoftwareField(config, appId)) return undefined;
  const rules = moduleRules(config, listing?.known);
  // Said by the site's choice, not by whether a listing has succeeded yet: the same help always.
  const which = config.modules.names === 'known' ? 'Only modules this cluster has' : 'Module names';
  return {
    name: MODULES_OPTION,
    label: config.modules.field_label,
    help:
      `Environment modules to load before the app starts, separated by spaces, like gcc/12.2.0 python/3.11.6. ` +
      `${which}, at most ${rules.maxCount}.`,
    rules,
    suggestions: listing?.names ?? [],
  };
}

/** The app ids in `modules.field_apps` that the catalog does not offer (a configuration mistake). */
export function unknownFieldApps(
  config: Pick<HubConfig, 'modules'>,
  offered: (id: string) => boolean,
): string[] {
  return config.modules.field_apps.filter((id) => id !== '*' && !offered(id));
}
