// /hub/admin: the users, with search and paging, adding a user, the admin flag and blocking.
// Changes go through the account rules the users API uses too (auth/accounts.ts): nobody removes
// their own admin rights or blocks themselves, and a blocked user's servers stop.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FieldValidation } from '../../errors/index.js';
import { callerOf } from '../../http/principal.js';
import { ACTIVE_STATUSES, serversOfUsers } from '../../spawn/index.js';
import { html } from '../../ui/html.js';
import { usernameProblem } from '../../users/names.js';
import { countListedUsers, listUsers } from '../../users/store.js';
import { formatDate } from '../format.js';
import {
  attempt,
  csrfField,
  describedBy,
  errorSummary,
  errorsByField,
  FormBodySchema,
  fieldError,
  formValue,
} from '../forms.js';
import { sendPage, type WebDeps } from '../render.js';
import { query } from '../spawn/form-page.js';
import { adminTabs, doneMessage } from './tabs.js';

const PAGE_SIZE = 20;
const Query = Type.Object({
  q: Type.Optional(Type.String({ maxLength: 32 })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  done: Type.Optional(Type.String({ maxLength: 20 })),
  user: Type.Optional(Type.String({ maxLength: 64 })),
});

const DONE: Record<string, (user: string) => string> = {
  added: (u) => `Added ${u}.`,
  admin: (u) => `${u} is now an administrator.`,
  unadmin: (u) => `${u} is no longer an administrator.`,
  blocked: (u) => `${u} is blocked and signed out everywhere.`,
  unblocked: (u) => `${u} may sign in again.`,
};

interface Problem {
  message?: string | undefined;
  validations?: FieldValidation[] | undefined;
  /** What the add form held. */
  name?: string | undefined;
}

export const adminUserRoutes: FastifyPluginAsyncTypebox<WebDeps> = async (app, { hub, site, accounts }) => {
  const admin = { access: { kind: 'admin' } } as const;
  const localAccounts = hub.config.auth.authenticator === 'local';

  async function show(
    request: FastifyRequest,
    reply: FastifyReply,
    q: typeof Query.static,
    problem: Problem = {},
    status = 200,
  ) {
    const principal = request.principal;
    const offset = q.offset ?? 0;
    const filter = (q.q ?? '').trim().toLowerCase();
    const nameFilter = filter || undefined;
    const [rows, total] = await Promise.all([
      listUsers(hub.db, { offset, limit: PAGE_SIZE, nameFilter }),
      countListedUsers(hub.db, { nameFilter }),
    ]);
    const active = new Map<number, number>();
    for (const s of await serversOfUsers(
      hub.db,
      rows.map((r) => r.id),
    )) {
      if ((ACTIVE_STATUSES as readonly string[]).includes(s.status))
        active.set(s.user_id, (active.get(s.user_id) ?? 0) + 1);
    }
    const errors = errorsByField(problem.validations);
    // The sentence is fixed; the name in it must be a valid username, so a crafted link cannot say more.
    const done = q.done && q.user && usernameProblem(q.user) === null ? DONE[q.done]?.(q.user) : undefined;
    const toggle = (user: string, what: 'admin' | 'block', value: boolean, label: string, style: string) =>
      html`<form class="inline" method="post" action="/hub/admin/users/${encodeURIComponent(user)}/${what}">
        ${csrfField(principal)}<input type="hidden" name="value" value="${String(value)}">
        <input type="hidden" name="q" value="${filter}"><input type="hidden" name="offset" value="${String(offset)}">
        <button type="submit" class="${style} small" aria-label="${label} ${user}">${label}</button></form>`;
    const body = html`${adminTabs('users')}
      ${doneMessage(done)}
      ${errorSummary(
        problem.message,
        problem.validations?.filter((v) => v.field !== 'name'),
      )}
      <section class="panel" aria-labelledby="users-title">
        <h2 id="users-title">Users <span class="muted small">(${String(total)}${filter ? ` starting with "${filter}"` : ''})</span></h2>
        <form method="get" action="/hub/admin" class="search-bar" role="search">
          <div class="grow"><label for="user-search">Search by name</label>
            <input id="user-search" name="q" type="search" value="${filter}" autocapitalize="none" spellcheck="false"></div>
          <button type="submit" class="secondary">Search</button>
        </form>
        <div class="table-wrap"><table class="stack">
          <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Servers</th><th scope="col">Last active</th><th scope="col">Actions</th></tr></thead>
          <tbody>${rows.map((u) => {
            const self = u.id === principal?.userId;
            return html`<tr data-user="${u.name}">
              <td><strong>${u.name}</strong>${self ? html` <span class="muted small">(you)</span>` : ''}</td>
              <td data-label="Role">${u.admin ? html`<span class="badge admin">admin</span>` : 'user'} ${u.blocked ? html`<span class="badge blocked">blocked</span>` : ''}</td>
              <td data-label="Servers">${String(active.get(u.id) ?? 0)}</td>
              <td data-label="Last active">${u.last_activity ? formatDate(u.last_activity) : html`<span class="muted">never</span>`}</td>
              <td class="row-actions"><div class="actions">${
                self
                  ? html`<span class="muted small">—</span>`
                  : html`${u.admin ? toggle(u.name, 'admin', false, 'Remove admin', 'secondary') : toggle(u.name, 'admin', true, 'Make admin', 'secondary')}
                    ${u.blocked ? toggle(u.name, 'block', false, 'Unblock', 'secondary') : toggle(u.name, 'block', true, 'Block', 'danger')}`
              }</div></td>
            </tr>`;
          })}</tbody>
        </table></div>
        ${rows.length === 0 ? html`<p class="muted">No user matches.</p>` : ''}
        <div class="pager">
          ${offset > 0 ? html`<a href="/hub/admin${query({ q: filter, offset: String(Math.max(0, offset - PAGE_SIZE)) })}">← Previous</a>` : html`<span></span>`}
          <span class="muted small">${total === 0 ? '' : `${offset + 1}–${offset + rows.length} of ${total}`}</span>
          ${offset + rows.length < total ? html`<a href="/hub/admin${query({ q: filter, offset: String(offset + PAGE_SIZE) })}">Next →</a>` : html`<span></span>`}
        </div>
      </section>
      <section class="panel" aria-labelledby="add-title">
        <h2 id="add-title">Add a user</h2>
        <form method="post" action="/hub/admin/users" class="form-grid${localAccounts ? ' two' : ''}">
          ${csrfField(principal)}
          <div class="field${errors.has('name') ? ' invalid' : ''}"><label for="f-name">Username</label>
            <input id="f-name" name="name" type="text" required maxlength="32" autocapitalize="none" spellcheck="false"
              value="${problem.name ?? ''}"${describedBy('name', errors)}>${fieldError('name', errors)}</div>
          ${
            localAccounts
              ? html`<div class="field${errors.has('password') ? ' invalid' : ''}"><label for="f-password">Password</label>
                  <input id="f-password" name="password" type="password" autocomplete="new-password"${describedBy('password', errors)}>
                  ${fieldError('password', errors)}</div>`
              : html`<p class="hint">Users sign in with their cluster account; adding them here only lets them in when the login lists require it.</p>`
          }
          <label class="check"><input type="checkbox" name="admin" value="true"> Administrator</label>
          <div class="form-actions"><button type="submit">Add user</button></div>
        </form>
      </section>`;
    return sendPage(reply.code(status), site, { title: 'Users · Admin', current: 'admin' }, body);
  }

  app.get('/hub/admin', { config: admin, schema: { hide: true, querystring: Query } }, (request, reply) =>
    show(request, reply, request.query),
  );

  app.post(
    '/hub/admin/users',
    { config: admin, schema: { hide: true, body: FormBodySchema } },
    async (request, reply) => {
      const name = (formValue(request.body, 'name') ?? '').trim().toLowerCase();
      const password = formValue(request.body, 'password');
      const result = await attempt(() =>
        accounts.create(callerOf(request), name, {
          admin: formValue(request.body, 'admin') === 'true',
          ...(localAccounts && password ? { password } : {}),
        }),
      );
      if (result.ok) return reply.redirect(`/hub/admin${query({ q: name, done: 'added', user: name })}`, 303);
      const { message, validations, status } = result.refusal;
      return show(request, reply, {}, { message, validations, name }, status);
    },
  );

  const Params = Type.Object({ user: Type.String({ maxLength: 64 }) });
  for (const what of ['admin', 'block'] as const) {
    app.post(
      `/hub/admin/users/:user/${what}`,
      { config: admin, schema: { hide: true, params: Params, body: FormBodySchema } },
      async (request, reply) => {
        const value = formValue(request.body, 'value') === 'true';
        const user = request.params.user;
        const change = what === 'admin' ? { admin: value } : { blocked: value };
        const result = await attempt(() => accounts.change(callerOf(request), user, change));
        const back = { q: formValue(request.body, 'q'), offset: formValue(request.body, 'offset') };
        if (result.ok) {
          const done = what === 'admin' ? (value ? 'admin' : 'unadmin') : value ? 'blocked' : 'unblocked';
          return reply.redirect(`/hub/admin${query({ ...back, done, user })}`, 303);
        }
        const refusal = result.refusal;
        const message = refusal.validations?.map((v) => v.message).join(' ') || refusal.message;
        const offset = Number(back.offset);
        return show(
          request,
          reply,
          { q: back.q, offset: Number.isSafeInteger(offset) && offset >= 0 ? offset : 0 },
          { message },
          refusal.status,
        );
      },
    );
  }
};
