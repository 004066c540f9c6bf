// /hub/spawn/{user}[/{server}]: the spawn form (GET) and starting the server (POST, forwarded to
// the servers API as the caller), then on to the progress page. /hub/spawn is the signed-in
// user's own form. `next` (the page that asked for the server) is carried through to the end.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FieldValidation } from '../../errors/index.js';
import { notFound } from '../../errors/index.js';
import { userAccess } from '../../http/access.js';
import { serverPath } from '../../proxy/pages.js';
import { ACTIVE_STATUSES, findServer } from '../../spawn/servers-store.js';
import { findUser } from '../../users/store.js';
import { callApi } from '../api-client.js';
import { type FormBody, FormBodySchema, formValue } from '../forms.js';
import { safeNext } from '../login/routes.js';
import { loadNotices, maintenanceBanner } from '../news/view.js';
import { sendPage, type WebDeps } from '../render.js';
import { describeSpawnForm } from './form-description.js';
import { query, type SpawnFormView, spawnFormBody } from './form-page.js';

const Params = Type.Object({
  name: Type.String(),
  server_name: Type.Optional(Type.String({ maxLength: 100 })),
});
const Query = Type.Object({
  app: Type.Optional(Type.String({ maxLength: 40 })),
  reset: Type.Optional(Type.String({ maxLength: 5 })),
  next: Type.Optional(Type.String({ maxLength: 2000 })),
});

/** `next` only when it is a same-site path (no open redirects); undefined otherwise. */
const nextOf = (value: string | undefined) => (value && safeNext(value) === value ? value : undefined);

export const spawnRoutes: FastifyPluginAsyncTypebox<WebDeps> = async (app, { hub, site, spawning }) => {
  const access = { access: userAccess('servers') };

  async function owner(name: string) {
    const user = await findUser(hub.db, name);
    if (!user) throw notFound();
    return user;
  }

  async function show(reply: FastifyReply, view: Omit<SpawnFormView, 'principal'>, status = 200) {
    const notices = await loadNotices(hub.db);
    const principal = reply.request.principal;
    if (!principal) throw notFound();
    return sendPage(
      reply.code(status),
      site,
      {
        title: 'Start a server',
        current: 'home',
        banner: maintenanceBanner(notices.maintenance),
        scripts: ['spawn-form.js'],
      },
      spawnFormBody({ ...view, principal }),
    );
  }

  async function defaultActive(userId: number): Promise<boolean> {
    const row = await findServer(hub.db, userId, '');
    return row !== undefined && (ACTIVE_STATUSES as readonly string[]).includes(row.status);
  }

  /** A server that is already starting or running is not started again: show where it is. */
  async function redirectIfActive(
    reply: FastifyReply,
    ownerName: string,
    userId: number,
    server: string,
    next?: string,
  ) {
    const row = await findServer(hub.db, userId, server);
    if (row?.status === 'pending' || row?.status === 'running') {
      const path = serverPath({ owner: ownerName, name: server });
      return reply.redirect(`/hub/spawn-pending${path}${query({ next })}`);
    }
    return undefined;
  }

  async function getForm(
    request: FastifyRequest<{ Params: typeof Params.static; Querystring: typeof Query.static }>,
    reply: FastifyReply,
  ) {
    const user = await owner(request.params.name);
    const server = request.params.server_name ?? null;
    const next = nextOf(request.query.next);
    if (server !== null) {
      const redirected = await redirectIfActive(reply, user.name, user.id, server, next);
      if (redirected) return redirected;
    }
    const form = await describeSpawnForm(hub.db, spawning, user, request.query.app);
    return show(reply, {
      owner: user.name,
      serverName: server,
      form,
      reset: request.query.reset === '1',
      next,
      defaultActive: server === null && (await defaultActive(user.id)),
    });
  }

  async function postForm(
    request: FastifyRequest<{ Params: typeof Params.static; Body: FormBody }>,
    reply: FastifyReply,
  ) {
    const user = await owner(request.params.name);
    const body = request.body;
    const chosenApp = formValue(body, 'app');
    const next = nextOf(formValue(body, 'next'));
    const fixedServer = request.params.server_name;
    const server = fixedServer ?? (formValue(body, 'server_name') ?? '').trim();
    const form = await describeSpawnForm(hub.db, spawning, user, chosenApp);
    const submitted: Record<string, string> = {};
    for (const f of form.fields) {
      const v = formValue(body, f.name);
      if (v !== undefined && !(f.type === 'home_path' && f.picker)) submitted[f.name] = v;
    }
    if (fixedServer === undefined) submitted.server_name = server;
    const view = {
      owner: user.name,
      serverName: fixedServer ?? null,
      form,
      next,
      defaultActive: fixedServer === undefined && (await defaultActive(user.id)),
    };

    // Another app was chosen (without scripts): show its fields before starting anything.
    if (formValue(body, 'form_app') !== form.app) {
      const title = form.apps.find((a) => a.id === form.app)?.title ?? form.app;
      return show(reply, {
        ...view,
        submitted: fixedServer === undefined ? { server_name: server } : undefined,
        note: `These are the options for ${title}. Check them, then press Start.`,
      });
    }
    const userOptions: Record<string, string> = { app: form.app };
    for (const [k, v] of Object.entries(submitted)) if (k !== 'server_name') userOptions[k] = v;
    const path =
      server === ''
        ? `/users/${encodeURIComponent(user.name)}/server`
        : `/users/${encodeURIComponent(user.name)}/servers/${encodeURIComponent(server)}`;
    const result = await callApi(app, request, 'POST', path, { user_options: userOptions });
    if (result.ok) {
      const where = serverPath({ owner: user.name, name: server });
      return reply.redirect(`/hub/spawn-pending${where}${query({ next })}`, 303);
    }
    const { error } = result;
    const validations: FieldValidation[] = (error.validations ?? []).map((v) =>
      // The API names a bad server name by its path parameter; the form has one field for it.
      v.field === 'params.server_name' ? { ...v, field: 'server_name' } : v,
    );
    const message =
      error.code === 'validation_failed'
        ? 'The server was not started: some fields need another value.'
        : error.message;
    return show(reply, { ...view, submitted, error: message, validations }, result.status);
  }

  app.get(
    '/hub/spawn',
    { config: { access: { kind: 'authenticated' } }, schema: { hide: true, querystring: Query } },
    async (request, reply) => {
      const p = request.principal;
      if (!p) throw notFound();
      const url = new URL(request.url, 'http://hub.invalid');
      return reply.redirect(`/hub/spawn/${encodeURIComponent(p.name)}${url.search}`);
    },
  );
  app.get(
    '/hub/spawn/:name',
    { config: access, schema: { hide: true, params: Params, querystring: Query } },
    getForm,
  );
  app.get(
    '/hub/spawn/:name/:server_name',
    { config: access, schema: { hide: true, params: Params, querystring: Query } },
    getForm,
  );
  app.post(
    '/hub/spawn/:name',
    { config: access, schema: { hide: true, params: Params, body: FormBodySchema } },
    postForm,
  );
  app.post(
    '/hub/spawn/:name/:server_name',
    { config: access, schema: { hide: true, params: Params, body: FormBodySchema } },
    postForm,
  );
};
