// /hub/api/news: news items and maintenance notices. Anyone may read the ones shown now (the
// login page shows them before sign-in); admins create, change, schedule and delete them. The
// body is Markdown, and every answer carries it rendered by the safe subset renderer too.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { HubContext } from '../context.js';
import { type FieldValidation, HubError, notFound } from '../errors/index.js';
import { errorResponses } from '../http/responses.js';
import {
  allNews,
  createNews,
  currentNews,
  deleteNews,
  findNews,
  type NewsFields,
  type NewsWithAuthor,
  newsState,
  updateNews,
} from '../news/store.js';
import { renderMarkdown } from '../ui/markdown.js';

const Kind = Type.Union([Type.Literal('news'), Type.Literal('maintenance')], {
  description: '`maintenance` items are shown as a banner on every page; `news` in the news panel.',
});
const When = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

const NewsItem = Type.Object(
  {
    id: Type.Integer(),
    kind: Kind,
    title: Type.String(),
    body: Type.String({ description: 'Markdown (a safe subset: paragraphs, lists, emphasis, code, links).' }),
    body_html: Type.String({ description: 'The body rendered to HTML; safe to insert into a page.' }),
    starts_at: Type.Union([Type.String(), Type.Null()], {
      description: 'Shown from this time; null: at once.',
    }),
    ends_at: Type.Union([Type.String(), Type.Null()], {
      description: 'Shown until this time; null: until deleted.',
    }),
    state: Type.Union([Type.Literal('scheduled'), Type.Literal('current'), Type.Literal('ended')]),
    created: Type.String(),
    updated: Type.String(),
    author: Type.Union([Type.String(), Type.Null()]),
  },
  { additionalProperties: false },
);

const Fields = {
  kind: Kind,
  title: Type.String({ maxLength: 200, description: 'Required: not only spaces.' }),
  body: Type.String({ maxLength: 20000 }),
  starts_at: When,
  ends_at: When,
};
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }) });
const errors = errorResponses(400, 401, 404);

function newsModel(row: NewsWithAuthor) {
  return {
    id: row.id,
    kind: row.kind === 'maintenance' ? ('maintenance' as const) : ('news' as const),
    title: row.title,
    body: row.body,
    body_html: renderMarkdown(row.body).value,
    starts_at: row.starts_at,
    ends_at: row.ends_at,
    state: newsState(row),
    created: row.created,
    updated: row.updated,
    author: row.author,
  };
}

/** Stored timestamps are UTC ISO strings, so that they compare as text on both engines. */
const utc = (value: string | null | undefined) =>
  value === undefined ? undefined : value === null ? null : new Date(value).toISOString();

/** A title that is only spaces, or an end before the start, is refused with the field named. */
function problems(item: Pick<NewsFields, 'title' | 'starts_at' | 'ends_at'>): FieldValidation[] {
  const out: FieldValidation[] = [];
  if (item.title.trim() === '') out.push({ field: 'title', message: 'A title is required.' });
  if (item.starts_at && item.ends_at && item.ends_at <= item.starts_at)
    out.push({ field: 'ends_at', message: 'The end must come after the start.' });
  return out;
}

function check(item: Pick<NewsFields, 'title' | 'starts_at' | 'ends_at'>): void {
  const found = problems(item);
  if (found.length > 0) throw new HubError('validation_failed', undefined, { validations: found });
}

export const newsRoutes: FastifyPluginAsyncTypebox<{ hub: HubContext }> = async (app, { hub }) => {
  const { db } = hub;
  const admin = { kind: 'admin' } as const;

  async function existing(id: number): Promise<NewsWithAuthor> {
    const row = await findNews(db, id);
    if (!row) throw notFound();
    return row;
  }

  app.get(
    '/news',
    {
      config: { access: { kind: 'public' } },
      schema: {
        summary: 'News and maintenance notices shown now (no login needed)',
        tags: ['news'],
        security: [],
        response: { 200: Type.Array(NewsItem) },
      },
    },
    async () => (await currentNews(db)).map(newsModel),
  );

  app.get(
    '/news/all',
    {
      config: { access: admin },
      schema: {
        summary: 'Every news item, scheduled and ended ones included',
        tags: ['news'],
        response: { 200: Type.Array(NewsItem), ...errors },
      },
    },
    async () => (await allNews(db)).map(newsModel),
  );

  app.post(
    '/news',
    {
      config: { access: admin },
      schema: {
        summary: 'Post a news item or maintenance notice',
        tags: ['news'],
        body: Type.Object(
          {
            kind: Type.Optional(Fields.kind),
            title: Fields.title,
            body: Type.Optional(Fields.body),
            starts_at: Type.Optional(Fields.starts_at),
            ends_at: Type.Optional(Fields.ends_at),
          },
          { additionalProperties: false },
        ),
        response: { 201: NewsItem, ...errors },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const fields: NewsFields = {
        kind: b.kind ?? 'news',
        title: b.title.trim(),
        body: b.body ?? '',
        starts_at: utc(b.starts_at) ?? null,
        ends_at: utc(b.ends_at) ?? null,
      };
      check(fields);
      const id = await createNews(db, fields, request.principal?.userId ?? null);
      request.log.info({ news_id: id, kind: fields.kind, by: request.principal?.name }, 'news item created');
      return reply.code(201).send(newsModel(await existing(id)));
    },
  );

  app.get(
    '/news/:id',
    {
      config: { access: admin },
      schema: {
        summary: 'Get a news item',
        tags: ['news'],
        params: IdParams,
        response: { 200: NewsItem, ...errors },
      },
    },
    async (request) => newsModel(await existing(request.params.id)),
  );

  app.patch(
    '/news/:id',
    {
      config: { access: admin },
      schema: {
        summary: 'Change a news item: text, kind, or when it is shown',
        tags: ['news'],
        params: IdParams,
        body: Type.Object(
          {
            kind: Type.Optional(Fields.kind),
            title: Type.Optional(Fields.title),
            body: Type.Optional(Fields.body),
            starts_at: Type.Optional(Fields.starts_at),
            ends_at: Type.Optional(Fields.ends_at),
          },
          { additionalProperties: false, minProperties: 1 },
        ),
        response: { 200: NewsItem, ...errors },
      },
    },
    async (request) => {
      const row = await existing(request.params.id);
      const b = request.body;
      const changes: Partial<NewsFields> = {
        ...(b.kind !== undefined && { kind: b.kind }),
        ...(b.title !== undefined && { title: b.title.trim() }),
        ...(b.body !== undefined && { body: b.body }),
        ...(b.starts_at !== undefined && { starts_at: utc(b.starts_at) ?? null }),
        ...(b.ends_at !== undefined && { ends_at: utc(b.ends_at) ?? null }),
      };
      check({ title: row.title, starts_at: row.starts_at, ends_at: row.ends_at, ...changes });
      await updateNews(db, row.id, changes);
      request.log.info(
        { news_id: row.id, changed: Object.keys(changes), by: request.principal?.name },
        'news item changed',
      );
      return newsModel(await existing(row.id));
    },
  );

  app.delete(
    '/news/:id',
    {
      config: { access: admin },
      schema: {
        summary: 'Delete a news item',
        tags: ['news'],
        params: IdParams,
        response: { 204: Type.Null(), ...errors },
      },
    },
    async (request, reply) => {
      const row = await existing(request.params.id);
      await deleteNews(db, row.id);
      request.log.info({ news_id: row.id, by: request.principal?.name }, 'news item deleted');
      return reply.code(204).send(null);
    },
  );
};
