// The site's notebook collections (`notebooks.file`): what each is, where its files come from,
// which notebook opens first, and the app and resources it needs. Read once at start; every
// problem of every entry is reported together.
import { type Static, Type } from '@sinclair/typebox';
import type { HubConfig } from '../config/index.js';
import { readYamlList } from '../config/yaml-list.js';

const RELATIVE_PATH = '^(?!/)(?!.*(^|/)\\.\\.?(/|$))[A-Za-z0-9_ .,+@=:/-]{1,500}$';

export const CollectionSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,39}$' }),
    title: Type.String({ minLength: 1, maxLength: 100 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    tags: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,29}$' }), { maxItems: 20 })),
    icon: Type.Optional(
      Type.String({ maxLength: 500, description: 'A URL or a path on the hub of an image.' }),
    ),
    source: Type.Union([
      Type.Object({ dir: Type.String({ pattern: '^/' }) }, { additionalProperties: false }),
      Type.Object(
        {
          git: Type.String({ minLength: 1, maxLength: 1000, pattern: '^[^-]' }),
          ref: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}$' })),
        },
        { additionalProperties: false },
      ),
    ]),
    /** The notebook (or file) opened first, relative to the collection. */
    open: Type.Optional(Type.String({ pattern: RELATIVE_PATH })),
    app: Type.String({ minLength: 1, maxLength: 40 }),
    options: Type.Optional(
      Type.Record(
        Type.String({ maxLength: 60 }),
        Type.Union([Type.String({ maxLength: 2000 }), Type.Number(), Type.Boolean()]),
      ),
    ),
  },
  { additionalProperties: false },
);
export type Collection = Static<typeof CollectionSchema>;

export function loadCollections(config: HubConfig['notebooks']): Collection[] {
  if (!config.file) return [];
  return readYamlList(config.file, CollectionSchema, {
    file: 'notebooks file',
    entries: 'collections',
    uniqueIds: true,
  });
}

/** Collections whose title, description or tags contain every word of `query`, and that carry `tag`. */
export function searchCollections(
  all: readonly Collection[],
  query: string,
  tag: string | undefined,
): Collection[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return all.filter((c) => {
    if (tag && !(c.tags ?? []).includes(tag)) return false;
    const text = [c.title, c.description ?? '', ...(c.tags ?? [])].join(' ').toLowerCase();
    return words.every((w) => text.includes(w));
  });
}
