// /hub/spawn/{user}[/{server}]: the spawn form (GET) and starting the server (POST, through the
// spawning service, which validates the values against the same form description), then on to
// the progress page. /hub/spawn is the signed-in user's own form. `next` (the page that asked for
// the server) is carried through to the end. `?again=1` ("Start again", "Try again") opens the
// form of the server in the path (the default server without one) with the app and options of
// its last start: the URL names only the server, whose options the hub reads itself and checks
// against today's form like remembered ones, so a link cannot put values into anyone's form.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HubError, notFound } from '../../errors/index.js';
import { subjectOf, userAccess } from '../../http/access.js';
import { callerOf } from '../../http/principal.js';
import { checkBody } from '../../http/validation.js';
import { NewPresetBody } from '../../presets/rules.js';
import { ACTIVE_STATUSES, findServer, serverPath } from '../../spawn/index.js';
import { type FormBody, FormBodySchema, formValue } from '../forms.js';
import { safeNext } from '../login/session.js';
import { loadNotices, maintenanceBanner } from '../news/view.js';
import { sendPage, type WebDeps } from '../render.js';
import { query, type SpawnFormView, spawnFormBody } from './form-page.js';

const Params = Type.Object({
  name: Type.String(),
  server_name: Type.Optional(Type.String({ maxLength: 100 })),
});
const Query = Type.Object({
  app: Type.Optional(Type.String({ maxLength: 40 })),
  reset: Type.Optional(Type.String({ maxLength: 5 })),
  again: Type.Optional(Type.String({ maxLength: 5 })),
  preset: Type.Optional(Type.String({ maxLength: 60 })),
  collection: Type.Optional(Type.String({ maxLength: 40 })),
  next: Type.Optional(Type.String({ maxLength: 2000 })),
});

/** `next` only when it is a same-site path (no open redirects); undefined otherwise. */
const nextOf = (value: string | undefined) => (value && safeNext(value) === value ? value : undefined);

/** Fields of the page itself; every other field of the posted form is a value of the app's form. */
const PAGE_FIELDS = new Set(['_xsrf', 'next', 'form_app', 'app', 'server_name', 'intent', 'preset_name']);

function formOptions(body: FormBody): Record<string, string> {
  const options: Record<string, string> = {};
  for (const name of Object.keys(body)) {
    const value = formValue(body, name);
    if (!PAGE_FIELDS.has(name) && value !== undefined) options[name] = value;
  }
  return options;
}

export const spawnRoutes: FastifyPluginAsyncTypebox<WebDeps> = async (
  app,
  { hub, site, spawning, presets, notebooks },
) => {
  const access = { access: userAccess('servers') };

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
    const user = subjectOf(request);
    const server = request.params.server_name ?? null;
    const next = nextOf(request.query.next);
    if (server !== null) {
      const redirected = await redirectIfActive(reply, user.name, user.id, server, next);
      if (redirected) return redirected;
    }
    const { app: appId, again } = request.query;
    // `?preset=ID`: the form filled in from one of the user's presets or the site's.
    const preset =
      request.query.preset === undefined ? undefined : await presets.find(user, request.query.preset);
    // `?collection=ID`: what a notebook collection needs (from its Open link).
    const collection =
      request.query.collection === undefined ? undefined : notebooks.get(request.query.collection);
    const form = await spawning.describeForm(user, {
      ...(appId !== undefined && { app: appId }),
      ...(again === '1' && { server: server ?? '' }),
      ...(preset && { app: preset.app, preset: { title: preset.title, values: preset.options } }),
      ...(collection && {
        app: collection.app,
        preset: {
          title: collection.title,
          values: notebooks.formValues(collection),
          kind: 'collection' as const,
        },
      }),
    });
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
    const user = subjectOf(request);
    const body = request.body;
    const next = nextOf(formValue(body, 'next'));
    const fixedServer = request.params.server_name;
    const server = fixedServer ?? (formValue(body, 'server_name') ?? '').trim();
    const shownApp = formValue(body, 'form_app');
    const chosenApp = formValue(body, 'app') ?? shownApp;
    const submitted = formOptions(body);
    const view = async (appId: string | undefined) => ({
      owner: user.name,
      serverName: fixedServer ?? null,
      form: await spawning.describeForm(user, appId === undefined ? {} : { app: appId }),
      next,
      defaultActive: fixedServer === undefined && (await defaultActive(user.id)),
    });

    // Another app was chosen (without scripts): show its fields before starting anything.
    if (chosenApp !== shownApp) {
      const shown = await view(chosenApp);
      const title = shown.form.apps.find((a) => a.id === shown.form.app)?.title ?? shown.form.app;
      return show(reply, {
        ...shown,
        submitted: fixedServer === undefined ? { server_name: server } : undefined,
        note: `These are the options for ${title}. Check them, then press Start.`,
      });
    }
    const saving = formValue(body, 'intent') === 'save-preset';
    const presetName = (formValue(body, 'preset_name') ?? '').trim();
    try {
      if (saving) {
        const wanted = { name: presetName, user_options: { app: chosenApp ?? '', ...submitted } };
        if (presetName === '')
          throw new HubError('validation_failed', undefined, {
            validations: [{ field: 'preset_name', message: 'Give the preset a name.' }],
          });
        checkBody(NewPresetBody, wanted);
        await presets.save(callerOf(request), user, wanted);
        return reply.redirect(`/hub/home${query({ saved: presetName })}#presets`, 303);
      }
      await spawning.start(user, server, { app: chosenApp, ...submitted });
    } catch (err) {
      if (!(err instanceof HubError) || err.status >= 500) throw err;
      const message =
        err.code === 'validation_failed'
          ? `The ${saving ? 'preset was not saved' : 'server was not started'}: some fields need another value.`
          : err.message;
      const again = {
        ...submitted,
        ...(fixedServer === undefined && { server_name: server }),
        ...(saving && { preset_name: presetName }),
      };
      return show(
        reply,
        { ...(await view(chosenApp)), submitted: again, error: message, validations: err.validations ?? [] },
        err.status,
      );
    }
    const where = serverPath({ owner: user.name, name: server });
    return reply.redirect(`/hub/spawn-pending${where}${query({ next })}`, 303);
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
