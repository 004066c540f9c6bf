// The home page's content: the user's servers with their state and buttons, a way to start a
// new one, how recent ones ended, the reminder to stop servers, and the news.
import type { Principal } from '../../auth/scopes.js';
import { html, type SafeHtml } from '../../ui/html.js';
import type { WeekTotals } from '../../usage/index.js';
import { formatDate } from '../format.js';
import { type ServerView, serverActions, statusBadge, timeText } from '../servers.js';
import { type ShareDialogView, shareDisclosure } from '../share/view.js';

export interface HomeView {
  principal: Principal;
  active: ServerView[];
  ended: ServerView[];
  news: SafeHtml;
  /** Whether the user may start another server now. */
  canStartMore: boolean;
  maxServers: number;
  /** The share dialog of each active server, by server name. */
  sharing: ReadonlyMap<string, ShareDialogView>;
  /** The label of the server whose share dialog is open (after one of its forms). */
  openShare?: string | undefined;
  /** The presets panel. */
  presets: SafeHtml;
  /** The user's own usage this week and last. */
  usage: readonly [WeekTotals, WeekTotals];
}

const hours = (h: number) => (Number.isInteger(h) ? String(h) : h.toFixed(2));

function usagePanel([thisWeek, lastWeek]: readonly [WeekTotals, WeekTotals]): SafeHtml {
  const row = (label: string, w: WeekTotals) =>
    html`<tr data-week="${w.week}"><th scope="row">${label}</th><td class="num">${w.sessions}</td><td class="num">${hours(w.core_hours)}</td><td class="num">${hours(w.gpu_hours)}</td></tr>`;
  return html`<section class="panel small-panel" aria-labelledby="usage-title">
    <h2 id="usage-title">Your usage</h2>
    <table class="usage-mine">
      <thead><tr><td></td><th scope="col" class="num">Sessions</th><th scope="col" class="num">Core-hours</th><th scope="col" class="num">GPU-hours</th></tr></thead>
      <tbody>${row('This week', thisWeek)}${row('Last week', lastWeek)}</tbody>
    </table>
    <p class="muted small">Cores and GPUs times the time your servers ran, idle or not; running servers count up to now.</p>
  </section>`;
}

function serverCard(s: ServerView, principal: Principal, share: SafeHtml): SafeHtml {
  return html`<li class="server-card" data-server="${s.label}">
    <div class="server-head">
      <h3>${s.label}</h3> ${statusBadge(s.status)}
    </div>
    <dl class="facts">
      <div><dt>App</dt><dd>${s.app}</dd></div>
      ${s.resources ? html`<div><dt>Resources</dt><dd>${s.resources}</dd></div>` : ''}
      ${s.node ? html`<div><dt>Node</dt><dd>${s.node}</dd></div>` : ''}
      ${s.usedSeconds !== null ? html`<div><dt>Time</dt><dd>${timeText(s)}</dd></div>` : ''}
    </dl>
    <div class="actions">${serverActions(s, principal, { next: '/hub/home', canOpen: true, canStart: true })}</div>
    ${share}
  </li>`;
}

function endedRow(s: ServerView, principal: Principal): SafeHtml {
  return html`<li class="ended-row" data-server="${s.label}">
    <div><strong>${s.label}</strong> <span class="muted">· ${s.app}</span><br>
      <span class="end-reason">${s.ended?.sentence ?? 'ended'}</span>
      ${s.ended?.at ? html`<span class="muted small"> · ${formatDate(s.ended.at)}</span>` : ''}</div>
    <div class="actions">${serverActions(s, principal, { next: '/hub/home', canOpen: false, canStart: true })}</div>
  </li>`;
}

export function homeBody(view: HomeView): SafeHtml {
  const { principal: p } = view;
  const running = view.active.some((s) => s.status === 'running' || s.status === 'pending');
  return html`<div class="page-head">
      <h1>Welcome, ${p.name}</h1>
      ${
        view.canStartMore
          ? html`<a class="button" href="/hub/spawn/${encodeURIComponent(p.name)}">Start a new server</a>`
          : html`<p class="muted">You have ${view.maxServers} servers, the most at once. Stop one to start another.</p>`
      }
    </div>
    <div class="columns">
      <div class="main-column">
        <div class="callout${running ? ' warn' : ''}" role="note">
          <p><strong>Please don't forget to stop your servers</strong> when you are done: a running server
          holds cores and memory on the cluster that others are waiting for. Signing out does not stop them.</p>
        </div>
        <section class="panel" aria-labelledby="servers-title">
          <h2 id="servers-title">Your servers</h2>
          ${
            view.active.length === 0
              ? html`<p>No server is running. <a href="/hub/spawn/${encodeURIComponent(p.name)}">Start one</a> to work in JupyterLab, code-server or another app.</p>`
              : html`<ul class="server-list">${view.active.map((s) => {
                  const share = view.sharing.get(s.name);
                  return serverCard(
                    s,
                    p,
                    share ? shareDisclosure(share, view.openShare === s.label) : html``,
                  );
                })}</ul>`
          }
        </section>
        ${view.presets}
        ${
          view.ended.length > 0
            ? html`<section class="panel" aria-labelledby="ended-title">
                <h2 id="ended-title">Recently ended</h2>
                <ul class="ended-list">${view.ended.map((s) => endedRow(s, p))}</ul>
              </section>`
            : ''
        }
      </div>
      <div class="side-column">
        ${view.news}
        ${usagePanel(view.usage)}
        <section class="panel small-panel" aria-labelledby="more-title">
          <h2 id="more-title">More</h2>
          <ul class="plain">
            <li><a href="/hub/tokens">API tokens</a> for scripts and the REST API</li>
            ${p.admin ? html`<li><a href="/hub/admin">Administration</a></li>` : ''}
          </ul>
        </section>
      </div>
    </div>`;
}
