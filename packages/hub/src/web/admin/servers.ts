// /hub/admin/servers: every server that is starting, running or stopping, whoever owns it, with
// a stop button, and an open link when administrators may reach users' servers
// (`proxy.admin_access`).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { exposedApps } from '../../apps/exposure.js';
import { ACTIVE_STATUSES } from '../../spawn/index.js';
import { html } from '../../ui/html.js';
import { sendPage, type WebDeps } from '../render.js';
import { serverActions, serverView, statusBadge, timeText } from '../servers.js';
import { adminTabs } from './tabs.js';

export const adminServerRoutes: FastifyPluginAsyncTypebox<WebDeps> = async (app, { hub, site, spawning }) => {
  app.get(
    '/hub/admin/servers',
    { config: { access: { kind: 'admin' } }, schema: { hide: true } },
    async (request, reply) => {
      const principal = request.principal;
      if (!principal) return reply.redirect('/hub/login');
      const rows = await hub.db
        .selectFrom('servers')
        .innerJoin('users', 'users.id', 'servers.user_id')
        .selectAll('servers')
        .select('users.name as owner')
        .where('servers.status', 'in', [...ACTIVE_STATUSES])
        .orderBy('users.name')
        .orderBy('servers.name')
        .execute();
      const now = Date.now();
      const canOpen = hub.config.proxy.admin_access;
      const views = rows.map((r) => serverView(r, r.owner, spawning, now));
      const exposed = exposedApps(spawning.catalog);
      const body = html`${adminTabs('servers')}
      <section class="panel" aria-labelledby="servers-title">
        <h2 id="servers-title">Running servers <span class="muted small">(${String(views.length)})</span></h2>
        ${
          canOpen
            ? ''
            : html`<p class="hint">Opening users' servers is off on this hub (<code>proxy.admin_access</code>); you can stop them.</p>`
        }
        ${
          exposed.length === 0
            ? ''
            : html`<p class="alert" data-exposed-apps>Not protected on shared nodes: ${exposed.map((a) => a.title).join(', ')} listen${exposed.length === 1 ? 's' : ''} on the node's loopback without a sign-in (<code>network: host</code>), so any user with a job on the same node can use ${exposed.length === 1 ? 'it' : 'them'}. Give such an app <code>listen: unix</code> or <code>network: isolated</code> (see docs/security.md).</p>`
        }
        ${
          views.length === 0
            ? html`<p class="muted">No server is running.</p>`
            : html`<div class="table-wrap"><table class="stack">
              <thead><tr><th scope="col">User</th><th scope="col">Server</th><th scope="col">App</th><th scope="col">State</th><th scope="col">Resources</th><th scope="col">Node</th><th scope="col">Time</th><th scope="col">Actions</th></tr></thead>
              <tbody>${views.map(
                (s) => html`<tr data-server="${s.owner}/${s.label}">
                  <td data-label="User"><strong>${s.owner}</strong></td><td data-label="Server">${s.label}</td><td data-label="App">${s.app}</td><td data-label="State">${statusBadge(s.status)}</td>
                  <td data-label="Resources">${s.resources || html`<span class="muted">—</span>`}</td><td data-label="Node">${s.node ?? ''}</td><td data-label="Time">${timeText(s)}</td>
                  <td class="row-actions"><div class="actions">${serverActions(s, principal, { next: '/hub/admin/servers', canOpen, canStart: false })}</div></td>
                </tr>`,
              )}</tbody></table></div>`
        }
      </section>`;
      return sendPage(reply, site, { title: 'Servers · Admin', current: 'admin' }, body);
    },
  );
};
