// The rules of posting news and maintenance notices, once, for the REST API and the admin news
// page: what a posted or changed item may say (its schema), how it is normalised (a trimmed
// title, times stored as UTC), what is refused (a blank title, an end before the start), and the
// log line of each change.
import { type Static, Type } from '@sinclair/typebox';
import type { Kysely } from 'kysely';
import type { Caller } from '../auth/caller.js';
import type { Database } from '../db/schema.js';
import { type FieldValidation, HubError, notFound } from '../errors/index.js';
import {
  createNews,
  deleteNews,
  findNews,
  type NewsFields,
  type NewsWithAuthor,
  updateNews,
} from './store.js';

type Db = Kysely<Database>;

export const NewsKindSchema = Type.Union([Type.Literal('news'), Type.Literal('maintenance')], {
  description: '`maintenance` items are shown as a banner on every page; `news` in the news panel.',
});
const When = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

const Fields = {
  kind: NewsKindSchema,
  title: Type.String({ maxLength: 200, description: 'Required: not only spaces.' }),
  body: Type.String({ maxLength: 20000 }),
  starts_at: When,
  ends_at: When,
};

/** A new item, as the REST API takes it and the news page builds it. */
export const NewNewsBody = Type.Object(
  {
    kind: Type.Optional(Fields.kind),
    title: Fields.title,
    body: Type.Optional(Fields.body),
    starts_at: Type.Optional(Fields.starts_at),
    ends_at: Type.Optional(Fields.ends_at),
  },
  { additionalProperties: false },
);

/** A change to an item: any of its fields. */
export const NewsChangeBody = Type.Object(
  {
    kind: Type.Optional(Fields.kind),
    title: Type.Optional(Fields.title),
    body: Type.Optional(Fields.body),
    starts_at: Type.Optional(Fields.starts_at),
    ends_at: Type.Optional(Fields.ends_at),
  },
  { additionalProperties: false, minProperties: 1 },
);

export type NewNews = Static<typeof NewNewsBody>;
export type NewsChange = Static<typeof NewsChangeBody>;

/** Stored timestamps are UTC ISO strings, so that they compare as text on both engines. */
const utc = (value: string | null | undefined) =>
  value === undefined ? undefined : value === null ? null : new Date(value).toISOString();

/** A title that is only spaces, or an end before the start, is refused with the field named. */
function check(item: Pick<NewsFields, 'title' | 'starts_at' | 'ends_at'>): void {
  const found: FieldValidation[] = [];
  if (item.title.trim() === '') found.push({ field: 'title', message: 'A title is required.' });
  if (item.starts_at && item.ends_at && item.ends_at <= item.starts_at)
    found.push({ field: 'ends_at', message: 'The end must come after the start.' });
  if (found.length > 0) throw new HubError('validation_failed', undefined, { validations: found });
}

/** The item with this id; not found (404) otherwise. */
export async function existingNews(db: Db, id: number): Promise<NewsWithAuthor> {
  const row = await findNews(db, id);
  if (!row) throw notFound();
  return row;
}

/** Posts an item (by default: news, shown at once, until deleted); returns its id. */
export async function postNews(db: Db, caller: Caller, item: NewNews): Promise<number> {
  const fields: NewsFields = {
    kind: item.kind ?? 'news',
    title: item.title.trim(),
    body: item.body ?? '',
    starts_at: utc(item.starts_at) ?? null,
    ends_at: utc(item.ends_at) ?? null,
  };
  check(fields);
  const id = await createNews(db, fields, caller.principal.userId);
  caller.log.info({ news_id: id, kind: fields.kind, by: caller.principal.name }, 'news item created');
  return id;
}

/** Changes the fields given; the item as changed must still pass the checks. */
export async function changeNews(db: Db, caller: Caller, id: number, change: NewsChange): Promise<void> {
  const row = await existingNews(db, id);
  const changes: Partial<NewsFields> = {
    ...(change.kind !== undefined && { kind: change.kind }),
    ...(change.title !== undefined && { title: change.title.trim() }),
    ...(change.body !== undefined && { body: change.body }),
    ...(change.starts_at !== undefined && { starts_at: utc(change.starts_at) ?? null }),
    ...(change.ends_at !== undefined && { ends_at: utc(change.ends_at) ?? null }),
  };
  check({ title: row.title, starts_at: row.starts_at, ends_at: row.ends_at, ...changes });
  await updateNews(db, row.id, changes);
  caller.log.info(
    { news_id: row.id, changed: Object.keys(changes), by: caller.principal.name },
    'news item changed',
  );
}

export async function removeNews(db: Db, caller: Caller, id: number): Promise<void> {
  const row = await existingNews(db, id);
  await deleteNews(db, row.id);
  caller.log.info({ news_id: row.id, by: caller.principal.name }, 'news item deleted');
}
