// /hub/spawn-pending/{user}[/{server}]: where a start is followed until the server is ready (then
// the browser goes to it, or to `next`) or has failed.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { serverPrefix } from '../../apps/launch.js';
import { notFound } from '../../errors/index.js';
import { subjectOf, userAccess } from '../../http/access.js';
import { findServer, serverLabel, serverPath } from '../../spawn/index.js';
import { html } from '../../ui/html.js';
import { endSentence } from '../home/end-reasons.js';
import { safeNext } from '../login/session.js';
import { sendPage, type WebDeps } from '../render.js';
import { startAgainUrl } from '../servers.js';
import { query } from '../spawn/form-page.js';
import { pendingBody } from './page.js';

const Params = Type.Object({
  name: Type.String(),
  server_name: Type.Optional(Type.String({ maxLength: 100 })),
});
const Query = Type.Object({ next: Type.Optional(Type.String({ maxLength: 2000 })) });
const RELOAD_SECONDS = 5;

export const pendingRoutes: FastifyPluginAsyncTypebox<WebDeps> = async (app, { hub, site, spawning }) => {
  async function show(
    request: FastifyRequest<{ Params: typeof Params.static; Querystring: typeof Query.static }>,
    reply: FastifyReply,
  ) {
    const principal = request.principal;
    const user = subjectOf(request);
    const serverName = request.params.server_name ?? '';
    const row = await findServer(hub.db, user.id, serverName);
    if (!principal || !row) throw notFound();
    const url = serverPrefix(user.name, serverName);
    const next =
      request.query.next && safeNext(request.query.next) === request.query.next
        ? request.query.next
        : undefined;
    if (row.status === 'running') return reply.redirect(next ?? url);

    const { events } = spawning.progress.snapshot(row.id);
    const failedEvent = events.findLast((e) => e.failed);
    const failure =
      row.status === 'stopped'
        ? (failedEvent?.message ?? `The server ${endSentence(row.end_reason, row.end_detail)}.`)
        : null;
    const path = serverPath({ owner: user.name, name: serverName });
    const apiServer = serverName === '' ? 'server' : `servers/${encodeURIComponent(serverName)}`;
    const label =
      user.name === principal.name
        ? serverName === ''
          ? 'Your server'
          : `Your server ${serverName}`
        : serverLabel({ owner: user.name, name: serverName });
    const body = pendingBody({
      principal,
      owner: user.name,
      serverName,
      label,
      events,
      failure,
      progressUrl: `/hub/api/users/${encodeURIComponent(user.name)}/${apiServer}/progress`,
      target: next ?? url,
      spawnUrl: startAgainUrl(user.name, serverName, next),
      selfUrl: `/hub/spawn-pending${path}${query({ next })}`,
    });
    const refresh = failure
      ? undefined
      : html`<noscript><meta http-equiv="refresh" content="${String(RELOAD_SECONDS)}"></noscript>`;
    return sendPage(
      reply,
      site,
      { title: 'Starting your server', current: 'home', scripts: ['progress.js'], head: refresh },
      body,
    );
  }

  const options = {
    config: { access: userAccess('servers') },
    schema: { hide: true, params: Params, querystring: Query },
  };
  app.get('/hub/spawn-pending/:name', options, show);
  app.get('/hub/spawn-pending/:name/:server_name', options, show);
};
