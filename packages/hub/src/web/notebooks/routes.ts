// /hub/notebooks: the catalog page; /hub/notebooks/{id}/open: the link a teacher puts on a slide.
// Opening copies (or merges) the collection into the user's home as the user, then goes on to
// the collection's notebook: in a running server of its app, through the progress page of one
// that is starting, or through the spawn form filled in with the app and resources it needs (so
// the site's limits and validation apply) — the default server's, or, when that is busy with
// another app, a server named after the collection. Like nbgitpuller's links it works by GET:
// what it copies is the site's own collection, and it never overwrites the user's changes.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { serverPrefix } from '../../apps/launch.js';
import { originOf } from '../../http/origin.js';
import type { Collection } from '../../notebooks/index.js';
import { ACTIVE_STATUSES, serverPath } from '../../spawn/index.js';
import { sendPage, type WebDeps } from '../render.js';
import { query } from '../spawn/form-page.js';
import { notebooksBody, openedBody, reportSentences } from './view.js';

export const notebookRoutes: FastifyPluginAsyncTypebox<WebDeps> = async (
  app,
  { hub, site, spawning, notebooks, accounts },
) => {
  const signedIn = { access: { kind: 'authenticated' as const } };

  app.get(
    '/hub/notebooks',
    {
      config: signedIn,
      schema: {
        hide: true,
        querystring: Type.Object({
          q: Type.Optional(Type.String({ maxLength: 200 })),
          tag: Type.Optional(Type.String({ maxLength: 40 })),
        }),
      },
    },
    async (request, reply) => {
      const q = (request.query.q ?? '').trim();
      const tag = request.query.tag || undefined;
      return sendPage(
        reply,
        site,
        { title: 'Notebooks', current: 'notebooks' },
        notebooksBody({
          collections: notebooks.search(q, tag),
          total: notebooks.all.length,
          tags: notebooks.tags(),
          query: q,
          tag,
          appTitle: (id) => spawning.catalog.get(id)?.title ?? id,
          origin: originOf(request),
          folder: hub.config.notebooks.target_dir,
        }),
      );
    },
  );

  /** Where to go once the files are in place: the notebook, in a server of the collection's app. */
  async function destination(userId: number, owner: string, c: Collection): Promise<string> {
    const rows = await hub.db
      .selectFrom('servers')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('name')
      .execute();
    const active = rows.filter((r) => (ACTIVE_STATUSES as readonly string[]).includes(r.status));
    const inside = (name: string) => `${serverPrefix(owner, name)}${notebooks.labPath(c)}`;
    const running = active.find((r) => r.app === c.app && r.status === 'running');
    if (running) return inside(running.name);
    const starting = active.find((r) => r.app === c.app && r.status === 'pending');
    if (starting)
      return `/hub/spawn-pending${serverPath({ owner, name: starting.name })}${query({ next: inside(starting.name) })}`;
    // The default server, unless it is busy with another app: then a server named after the collection.
    const name = active.some((r) => r.name === '') ? c.id : '';
    const form = `/hub/spawn/${encodeURIComponent(owner)}${name ? `/${encodeURIComponent(name)}` : ''}`;
    return `${form}${query({ collection: c.id, next: inside(name) })}`;
  }

  app.get(
    '/hub/notebooks/:id/open',
    { config: signedIn, schema: { hide: true, params: Type.Object({ id: Type.String({ maxLength: 40 }) }) } },
    async (request, reply) => {
      const collection = notebooks.get(request.params.id);
      const user = await accounts.existing(request.principal?.name ?? '');
      const opened = await notebooks.copy(user, collection);
      request.log.info(
        {
          user: user.name,
          collection: collection.id,
          added: opened.report.added.length,
          updated: opened.report.updated.length,
          kept: opened.report.kept.length,
          skipped: opened.report.skipped.length,
        },
        'notebook collection opened',
      );
      const next = await destination(user.id, user.name, collection);
      const sentences = reportSentences(opened.report, opened.folder);
      if (sentences.length === 0) return reply.redirect(next);
      return sendPage(
        reply,
        site,
        { title: collection.title, current: 'notebooks' },
        openedBody(collection.title, opened.folder, sentences, next),
      );
    },
  );
};
