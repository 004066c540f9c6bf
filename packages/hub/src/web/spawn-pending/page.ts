// The "your server is starting" page: a progress bar and the event log (queue reason, estimated
// start, node, "waiting to connect"), a cancel button, and when the start fails the hub's message
// with a "try again" link. progress.js feeds it live from the JupyterHub-format event stream and
// goes to the server when it is ready; without scripts the page reloads itself every few seconds.
import type { Principal } from '../../auth/scopes.js';
import type { ProgressEvent } from '../../spawn/index.js';
import { html, type SafeHtml } from '../../ui/html.js';
import { formatDate } from '../format.js';
import { csrfField } from '../forms.js';

export interface PendingView {
  principal: Principal;
  owner: string;
  serverName: string;
  /** e.g. "Your server" or "alice's server gpu-test". */
  label: string;
  events: ProgressEvent[];
  /** The failure message when the start has ended without the server running. */
  failure: string | null;
  progressUrl: string;
  /** Where to go when ready: `next`, or the server itself. */
  target: string;
  spawnUrl: string;
  selfUrl: string;
}

/** ISO times in messages (estimated start) in the hub's time zone, as people read them. */
const ISO_TIME = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z/g;

/** An event as the log shows it: its message, with the queue details when it does not say them. */
export function eventText(e: ProgressEvent): string {
  const q = e.queue;
  const extra =
    q && !(q.reason && e.message.includes(q.reason))
      ? [
          q.reason ? `queue reason: ${q.reason}` : '',
          q.estimated_start ? `estimated start: ${q.estimated_start}` : '',
        ]
          .filter(Boolean)
          .join(', ')
      : '';
  return (extra ? `${e.message} (${extra})` : e.message).replace(ISO_TIME, (iso) => formatDate(iso));
}

/** A place in the line for a start slot: the log shows only the latest one (progress.js too). */
function isPlaceInLine(e: ProgressEvent): boolean {
  return (e.line?.position ?? 0) > 0;
}

export function pendingBody(view: PendingView): SafeHtml {
  const last = view.events.at(-1);
  const value = view.failure ? 100 : (last?.progress ?? 0);
  const status = view.failure
    ? 'The start did not succeed.'
    : last
      ? eventText(last)
      : 'Waiting for the server…';
  return html`<section class="panel progress-panel" aria-labelledby="pending-title">
    <h1 id="pending-title">${view.label} ${view.failure ? 'did not start' : 'is starting'}</h1>
    <div id="progress" data-progress-url="${view.progressUrl}" data-target="${view.target}" data-done="${view.failure ? 'failed' : ''}">
      <progress id="progress-bar" max="100" value="${String(value)}" aria-labelledby="progress-status">${String(value)}%</progress>
      <p id="progress-status" class="status" role="status" aria-live="polite">${status}</p>
      <div id="progress-failed" class="alert error" role="alert"${view.failure ? '' : html` hidden`}>
        <p><strong>Your server could not start.</strong> <span id="failure-message">${view.failure ?? ''}</span></p>
        <p><a class="button" id="try-again" href="${view.spawnUrl}">Try again</a> <a href="/hub/home">Home</a></p>
      </div>
      <div id="progress-ready" class="alert info" hidden>
        <p>Your server is ready. <a id="open-server" href="${view.target}">Open it</a> if you are not taken there.</p>
      </div>
      <details class="event-log" open>
        <summary>Event log</summary>
        <ol id="event-log">${view.events.map((e) => (isPlaceInLine(e) ? html`<li data-line="1">${eventText(e)}</li>` : html`<li>${eventText(e)}</li>`))}</ol>
      </details>
      <form method="post" action="/hub/servers/${encodeURIComponent(view.owner)}/stop" id="cancel-form"${view.failure ? html` hidden` : ''}>
        ${csrfField(view.principal)}
        <input type="hidden" name="server" value="${view.serverName}">
        <input type="hidden" name="next" value="${view.selfUrl}">
        <button type="submit" class="danger">Cancel the start</button>
        <span class="muted small">Starting can take a while when the cluster is busy; you can leave this page and come back.</span>
      </form>
    </div>
  </section>`;
}
