// /hub/api/news: news items and maintenance notices. Anyone may read the ones shown now (the
// login page shows them before sign-in); admins create, change, schedule and delete them. The
// body is Markdown, and every answer carries it rendered by the safe subset renderer too. The
// rules of posting and changing items (news/rules.ts) are shared with the admin news page.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { HubContext } from '../context.js';
import { callerOf } from '../http/principal.js';
import { errorResponses } from '../http/responses.js';
import {
  changeNews,
  existingNews,
  NewNewsBody,
  NewsChangeBody,
  NewsKindSchema,
  postNews,
  removeNews,
} from '../news/rules.js';
import { allNews, currentNews, type NewsWithAuthor, newsState } from '../news/store.js';
import { renderMarkdown } from '../ui/markdown.js';

const NewsItem = Type.Object(
  {
    id: Type.Integer(),
    kind: NewsKindSchema,
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

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }) });
// Digits only, so that /news/all is never taken for an item: other methods there answer 405.
const NEWS_ITEM = '/news/:id(^\\d+$)';
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

export const newsRoutes: FastifyPluginAsyncTypebox<{ hub: HubContext }> = async (app, { hub }) => {
  const { db } = hub;
  const admin = { kind: 'admin' } as const;

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
        body: NewNewsBody,
        response: { 201: NewsItem, ...errors },
      },
    },
    async (request, reply) => {
      const id = await postNews(db, callerOf(request), request.body);
      return reply.code(201).send(newsModel(await existingNews(db, id)));
    },
  );

  app.get(
    NEWS_ITEM,
    {
      config: { access: admin },
      schema: {
        summary: 'Get a news item',
        tags: ['news'],
        params: IdParams,
        response: { 200: NewsItem, ...errors },
      },
    },
    async (request) => newsModel(await existingNews(db, request.params.id)),
  );

  app.patch(
    NEWS_ITEM,
    {
      config: { access: admin },
      schema: {
        summary: 'Change a news item: text, kind, or when it is shown',
        tags: ['news'],
        params: IdParams,
        body: NewsChangeBody,
        response: { 200: NewsItem, ...errors },
      },
    },
    async (request) => {
      await changeNews(db, callerOf(request), request.params.id, request.body);
      return newsModel(await existingNews(db, request.params.id));
    },
  );

  app.delete(
    NEWS_ITEM,
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
      await removeNews(db, callerOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
