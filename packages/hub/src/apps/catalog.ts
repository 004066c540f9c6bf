// The app catalog a hub offers: the built-ins, overridden or extended by the site's apps file,
// narrowed to `apps.enabled`. Loaded once at start; every definition is validated, and all
// problems are reported together.
import type { HubConfig } from '../config/index.js';
import { readYamlList } from '../config/yaml-list.js';
import { BUILTIN_APPS } from './builtins.js';
import { type AppDefinition, AppDefinitionSchema, type AppField } from './definition.js';

export class AppCatalog {
  private readonly byId: Map<string, AppDefinition>;

  constructor(readonly apps: readonly AppDefinition[]) {
    this.byId = new Map(apps.map((a) => [a.id, a]));
  }

  get(id: string): AppDefinition | undefined {
    return this.byId.get(id);
  }

  /** The fields a user fills in for this app: the spawner's (resources), the custom script, the app's own. */
  fields(app: AppDefinition, spawnerFields: readonly AppField[] = []): AppField[] {
    return [
      ...spawnerFields,
      {
        name: 'custom_script',
        type: 'home_path',
        label: 'Custom script to load',
        help: 'Sourced before the app starts, if it exists (for modules, conda environments, variables).',
        default: app.custom_script,
      },
      ...app.fields,
    ];
  }
}

/** Reads a site's apps file: a YAML list of app definitions. Throws listing every problem. */
export function readAppsFile(path: string): AppDefinition[] {
  return readYamlList(path, AppDefinitionSchema, { file: 'apps file', entries: 'app definitions' });
}

export function loadCatalog(config: Pick<HubConfig['apps'], 'enabled' | 'file'>): AppCatalog {
  const all = new Map(BUILTIN_APPS.map((a) => [a.id, a]));
  if (config.file) for (const app of readAppsFile(config.file)) all.set(app.id, app);
  const unknown = config.enabled.filter((id) => !all.has(id));
  if (unknown.length > 0) {
    throw new Error(
      `apps.enabled names apps that do not exist: ${unknown.join(', ')} (known: ${[...all.keys()].join(', ')})`,
    );
  }
  return new AppCatalog(config.enabled.map((id) => all.get(id) as AppDefinition));
}
