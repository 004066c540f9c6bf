// Presets, once, for the REST API and the pages: a user's own (saved from the spawn form's values
// under a name, deleted) and the site's (`presets.file`, shown to everyone, like KubeSpawner's
// profiles). A preset is saved only with values the user's form accepts (`check`: the spawning
// service's own validation), and is checked again when used, since limits and partitions change.
import { type Static, Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Caller } from '../auth/caller.js';
import type { HubConfig } from '../config/index.js';
import { readYamlList } from '../config/yaml-list.js';
import type { Database, UserRow } from '../db/schema.js';
import { HubError, notFound } from '../errors/index.js';
import { deletePreset, findPreset, listPresets, savePreset } from './store.js';

type Db = Kysely<Database>;
type OptionValue = string | number | boolean;
export type PresetOptions = Record<string, OptionValue>;

const Options = Type.Record(
  Type.String({ maxLength: 60 }),
  Type.Union([Type.String({ maxLength: 2000 }), Type.Number(), Type.Boolean()]),
  {
    maxProperties: 40,
  },
);

/** An entry of the site's presets file. */
export const SitePresetSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,39}$' }),
    title: Type.String({ minLength: 1, maxLength: 80 }),
    description: Type.Optional(Type.String({ maxLength: 500 })),
    app: Type.String({ minLength: 1, maxLength: 40 }),
    options: Type.Optional(Options),
  },
  { additionalProperties: false },
);
export type SitePreset = Static<typeof SitePresetSchema>;

export const NewPresetBody = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 80,
      pattern: '\\S',
      description: 'What the user calls it.',
    }),
    user_options: Type.Intersect([Type.Object({ app: Type.String({ maxLength: 40 }) }), Options], {
      description: 'The spawn form’s values, as for starting a server: `app` and the fields of its form.',
    }),
  },
  { additionalProperties: false },
);
export type NewPreset = Static<typeof NewPresetBody>;

/** A preset as the pages and the API show it. */
export interface Preset {
  /** A number for the user's own; `site:ID` for the site's. */
  id: string;
  title: string;
  description: string;
  app: string;
  options: PresetOptions;
  site: boolean;
  created: string | null;
}

export function loadSitePresets(config: HubConfig['presets']): SitePreset[] {
  if (!config.file) return [];
  return readYamlList(config.file, SitePresetSchema, {
    file: 'presets file',
    entries: 'presets',
    uniqueIds: true,
  });
}

function parse(json: string): PresetOptions {
  try {
    const value: unknown = JSON.parse(json);
    return value && typeof value === 'object' ? (value as PresetOptions) : {};
  } catch {
    return {};
  }
}

export interface PresetsDeps {
  db: Db;
  site: readonly SitePreset[];
  maxPerUser: number;
  /** Validates start options against the user's form (a 400 per field), as a start would store them. */
  check(user: UserRow, options: Record<string, unknown>): Promise<{ app: string; options: PresetOptions }>;
}

export class Presets {
  constructor(private readonly deps: PresetsDeps) {}

  /** The site's presets first (in the file's order), then the user's own by name. */
  async list(user: Pick<UserRow, 'id'>): Promise<Preset[]> {
    const own = await listPresets(this.deps.db, user.id);
    return [
      ...this.deps.site.map((p) => ({
        id: `site:${p.id}`,
        title: p.title,
        description: p.description ?? '',
        app: p.app,
        options: { app: p.app, ...p.options },
        site: true,
        created: null,
      })),
      ...own.map((row) => ({
        id: String(row.id),
        title: row.name,
        description: '',
        app: row.app,
        options: parse(row.options),
        site: false,
        created: row.created,
      })),
    ];
  }

  /** One preset of the user's (or the site's) by id; 404 when there is none. */
  async find(user: UserRow, id: string): Promise<Preset> {
    const found = (await this.list(user)).find((p) => p.id === id);
    if (!found) throw notFound();
    return found;
  }

  async save(caller: Caller, user: UserRow, request: NewPreset): Promise<Preset> {
    const name = request.name.trim();
    const { app, options } = await this.deps.check(user, request.user_options);
    const own = await listPresets(this.deps.db, user.id);
    if (!own.some((p) => p.name === name) && own.length >= this.deps.maxPerUser)
      throw new HubError(
        'conflict',
        `You have ${this.deps.maxPerUser} presets, the most allowed. Delete one first.`,
      );
    const row = await savePreset(this.deps.db, {
      userId: user.id,
      name,
      app,
      options: JSON.stringify(options),
    });
    caller.log.info({ user: user.name, preset: name, app, by: caller.principal.name }, 'preset saved');
    return this.find(user, String(row.id));
  }

  async remove(caller: Caller, user: UserRow, id: string): Promise<void> {
    const own = /^\d{1,15}$/.test(id) ? await findPreset(this.deps.db, user.id, Number(id)) : undefined;
    if (!own || !(await deletePreset(this.deps.db, user.id, own.id))) throw notFound();
    caller.log.info({ user: user.name, preset: own.name, by: caller.principal.name }, 'preset deleted');
  }
}
