// The news_items table: news for the login and home pages, and maintenance notices shown as a
// banner, each shown from `starts_at` (or at once) until `ends_at` (or until deleted). Every
// read and write of news goes through here; the API and the pages share it.
import type { Kysely } from 'kysely';
import type { Database, NewsItemRow } from '../db/schema.js';
import { nowIso } from '../util/time.js';

type Db = Kysely<Database>;

export type NewsKind = 'news' | 'maintenance';

export interface NewsFields {
  kind: NewsKind;
  title: string;
  body: string;
  starts_at: string | null;
  ends_at: string | null;
}

export type NewsWithAuthor = NewsItemRow & { author: string | null };

function withAuthor(db: Db) {
  return db
    .selectFrom('news_items')
    .leftJoin('users', 'users.id', 'news_items.author_id')
    .selectAll('news_items')
    .select('users.name as author');
}

/** Items not ended at `now` (scheduled ones included), newest first. */
function notEnded(db: Db, now: string): Promise<NewsWithAuthor[]> {
  return withAuthor(db)
    .where((eb) => eb.or([eb('news_items.ends_at', 'is', null), eb('news_items.ends_at', '>', now)]))
    .orderBy((eb) => eb.fn.coalesce('news_items.starts_at', 'news_items.created'), 'desc')
    .orderBy('news_items.id', 'desc')
    .execute();
}

const shown = (now: string) => (item: Pick<NewsItemRow, 'starts_at' | 'ends_at'>) =>
  newsState(item, now) === 'current';

/** Items shown now (started, not ended), newest first. */
export async function currentNews(db: Db, now = nowIso()): Promise<NewsWithAuthor[]> {
  return (await notEnded(db, now)).filter(shown(now));
}

/** Drops every database's copy of the shown items (shownNews); bumped by each write here. */
let generation = 0;
const kept = new WeakMap<Db, { generation: number; items: NewsItemRow[] }>();

/**
 * Items shown now, newest first, as the pages show them on every request (the login and home
 * pages' news, the maintenance banner): read once into memory, then filtered by time at each
 * call, so a start or an end needs no new read. Every write of news (here) drops the copy, so an
 * admin's change shows at once; a read that began before a write does not keep what it read.
 * Without the author (currentNews has it), whose account may change without a news write.
 */
export async function shownNews(db: Db, now = nowIso()): Promise<NewsItemRow[]> {
  let copy = kept.get(db);
  if (copy?.generation !== generation) {
    // Kept as of the generation the read began in: a write meanwhile makes the next call read again.
    const reading = generation;
    const items = (await notEnded(db, now)).map(({ author: _, ...item }) => item);
    copy = { generation: reading, items };
    kept.set(db, copy);
  }
  return copy.items.filter(shown(now));
}

/** Every item, scheduled and past ones included (for admins), newest first. */
export function allNews(db: Db): Promise<NewsWithAuthor[]> {
  return withAuthor(db).orderBy('news_items.created', 'desc').orderBy('news_items.id', 'desc').execute();
}

export function findNews(db: Db, id: number): Promise<NewsWithAuthor | undefined> {
  return withAuthor(db).where('news_items.id', '=', id).executeTakeFirst();
}

export async function createNews(db: Db, fields: NewsFields, authorId: number | null): Promise<number> {
  const now = nowIso();
  const row = await db
    .insertInto('news_items')
    .values({ ...fields, created: now, updated: now, author_id: authorId })
    .returning('id')
    .executeTakeFirstOrThrow();
  generation++;
  return row.id;
}

export async function updateNews(db: Db, id: number, changes: Partial<NewsFields>): Promise<void> {
  await db
    .updateTable('news_items')
    .set({ ...changes, updated: nowIso() })
    .where('id', '=', id)
    .execute();
  generation++;
}

export async function deleteNews(db: Db, id: number): Promise<void> {
  await db.deleteFrom('news_items').where('id', '=', id).execute();
  generation++;
}

/** Where an item stands at `now`: shown, waiting for its start, or over. */
export function newsState(
  item: Pick<NewsItemRow, 'starts_at' | 'ends_at'>,
  now = nowIso(),
): 'scheduled' | 'current' | 'ended' {
  if (item.starts_at !== null && item.starts_at > now) return 'scheduled';
  if (item.ends_at !== null && item.ends_at <= now) return 'ended';
  return 'current';
}
