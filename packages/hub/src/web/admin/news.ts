// /hub/admin/news: post, edit, schedule and delete news items and maintenance notices, through
// the rules the news API uses too (news/rules.ts: a title, an end after the start), with the form
// checked against the API's schema.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type FieldValidation, notFound } from '../../errors/index.js';
import { callerOf } from '../../http/principal.js';
import { checkBody } from '../../http/validation.js';
import { changeNews, NewNewsBody, NewsChangeBody, postNews, removeNews } from '../../news/rules.js';
import { allNews, findNews } from '../../news/store.js';
import { html } from '../../ui/html.js';
import { fromLocalInput, toLocalInput } from '../format.js';
import { attempt, type FormBody, FormBodySchema, formValue } from '../forms.js';
import { sendPage, type WebDeps } from '../render.js';
import { EMPTY_NEWS, type NewsFormValues, newsForm, newsList } from './news-form.js';
import { adminTabs, doneMessage } from './tabs.js';

const Params = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2 ** 31 - 1 }) });
const Query = Type.Object({ done: Type.Optional(Type.String({ maxLength: 20 })) });
const DONE: Record<string, string> = {
  posted: 'Posted.',
  saved: 'Saved.',
  deleted: 'Deleted.',
};

interface Refusal {
  error: string;
  validations: FieldValidation[];
}

function valuesOf(body: FormBody): NewsFormValues {
  return {
    kind: formValue(body, 'kind') === 'maintenance' ? 'maintenance' : 'news',
    title: formValue(body, 'title') ?? '',
    body: formValue(body, 'body') ?? '',
    starts_at: formValue(body, 'starts_at') ?? '',
    ends_at: formValue(body, 'ends_at') ?? '',
  };
}

/** The item the form's values describe, or the fields whose times cannot be read. */
function itemOf(values: NewsFormValues): { body: Record<string, unknown> } | Refusal {
  const starts = fromLocalInput(values.starts_at);
  const ends = fromLocalInput(values.ends_at);
  const validations: FieldValidation[] = [];
  if (starts === undefined)
    validations.push({ field: 'starts_at', message: 'Give a date and time, or leave it empty.' });
  if (ends === undefined)
    validations.push({ field: 'ends_at', message: 'Give a date and time, or leave it empty.' });
  if (validations.length > 0) return { error: 'The notice was not saved.', validations };
  return {
    body: { kind: values.kind, title: values.title, body: values.body, starts_at: starts, ends_at: ends },
  };
}

export const adminNewsRoutes: FastifyPluginAsyncTypebox<WebDeps> = async (app, { hub, site }) => {
  const admin = { access: { kind: 'admin' } } as const;

  async function listPage(
    request: FastifyRequest,
    reply: FastifyReply,
    opts: { values?: NewsFormValues; refusal?: Refusal; done?: string | undefined; status?: number },
  ) {
    const body = html`${adminTabs('news')}
      ${doneMessage(opts.done ? DONE[opts.done] : undefined)}
      <section class="panel" aria-labelledby="post-title">
        <h2 id="post-title">Post a notice</h2>
        ${newsForm({ principal: request.principal, action: '/hub/admin/news', values: opts.values ?? EMPTY_NEWS, submitLabel: 'Post', error: opts.refusal?.error, validations: opts.refusal?.validations })}
      </section>
      <section class="panel" aria-labelledby="list-title">
        <h2 id="list-title">All notices</h2>
        ${newsList(await allNews(hub.db), request.principal)}
      </section>`;
    return sendPage(reply.code(opts.status ?? 200), site, { title: 'News · Admin', current: 'admin' }, body);
  }

  async function editPage(
    request: FastifyRequest,
    reply: FastifyReply,
    id: number,
    values: NewsFormValues,
    refusal?: Refusal,
    status = 200,
  ) {
    const body = html`${adminTabs('news')}
      <section class="panel" aria-labelledby="edit-title">
        <h2 id="edit-title">Edit notice</h2>
        ${newsForm({ principal: request.principal, action: `/hub/admin/news/${id}`, values, submitLabel: 'Save', error: refusal?.error, validations: refusal?.validations })}
      </section>`;
    return sendPage(reply.code(status), site, { title: 'Edit notice · Admin', current: 'admin' }, body);
  }

  /** Posts or changes the item; on refusal, the refusal to show with the form. */
  async function save(request: FastifyRequest, id: number | null, values: NewsFormValues) {
    const prepared = itemOf(values);
    if ('error' in prepared) return { refusal: prepared, status: 400 };
    const { body } = prepared;
    const result = await attempt(async () => {
      if (id === null) {
        checkBody(NewNewsBody, body);
        await postNews(hub.db, callerOf(request), body);
      } else {
        checkBody(NewsChangeBody, body);
        await changeNews(hub.db, callerOf(request), id, body);
      }
    });
    if (result.ok) return { refusal: undefined, status: 200 };
    const { code, message, validations, status } = result.refusal;
    return {
      refusal: {
        error: code === 'validation_failed' ? 'The notice was not saved.' : message,
        validations: validations ?? [],
      },
      status,
    };
  }

  app.get(
    '/hub/admin/news',
    { config: admin, schema: { hide: true, querystring: Query } },
    (request, reply) => listPage(request, reply, { done: request.query.done }),
  );

  app.post(
    '/hub/admin/news',
    { config: admin, schema: { hide: true, body: FormBodySchema } },
    async (request, reply) => {
      const values = valuesOf(request.body);
      const { refusal, status } = await save(request, null, values);
      if (!refusal) return reply.redirect('/hub/admin/news?done=posted', 303);
      return listPage(request, reply, { values, refusal, status });
    },
  );

  app.get(
    '/hub/admin/news/:id',
    { config: admin, schema: { hide: true, params: Params } },
    async (request, reply) => {
      const item = await findNews(hub.db, request.params.id);
      if (!item) throw notFound();
      return editPage(request, reply, item.id, {
        kind: item.kind,
        title: item.title,
        body: item.body,
        starts_at: toLocalInput(item.starts_at),
        ends_at: toLocalInput(item.ends_at),
      });
    },
  );

  app.post(
    '/hub/admin/news/:id',
    { config: admin, schema: { hide: true, params: Params, body: FormBodySchema } },
    async (request, reply) => {
      const values = valuesOf(request.body);
      const { refusal, status } = await save(request, request.params.id, values);
      if (!refusal) return reply.redirect('/hub/admin/news?done=saved', 303);
      if (status === 404) throw notFound();
      return editPage(request, reply, request.params.id, values, refusal, status);
    },
  );

  app.post(
    '/hub/admin/news/:id/delete',
    { config: admin, schema: { hide: true, params: Params, body: FormBodySchema } },
    async (request, reply) => {
      await removeNews(hub.db, callerOf(request), request.params.id);
      return reply.redirect('/hub/admin/news?done=deleted', 303);
    },
  );
};
