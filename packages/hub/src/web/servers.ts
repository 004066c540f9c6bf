// A server as the pages show it (home page, admin page): app, resources, node, state, time used
// and left before the job's limit, and the buttons that fit its state. The buttons post to
// /hub/servers/… (see server-actions.ts) and work without scripts.

import { serverPrefix } from '../apps/launch.js';
import type { Principal } from '../auth/scopes.js';
import type { ServerRow } from '../db/schema.js';
import { type PlannedEnd, type SpawningService, serverPath } from '../spawn/index.js';
import { html, type SafeHtml } from '../ui/html.js';
import { formatDuration } from './format.js';
import { csrfField } from './forms.js';
import { endSentence } from './home/end-reasons.js';

export interface ServerView {
  owner: string;
  name: string;
  /** `default` or the server's name. */
  label: string;
  app: string;
  status: string;
  /** `2 cores · 8 GB · 4 h · partition normal`, or '' when the spawner takes no resources. */
  resources: string;
  node: string | null;
  /** Seconds since it became ready (running) or was requested (starting). */
  usedSeconds: number | null;
  /** When a running server will end and why, when that is worth a word (see endsText). */
  ends: { seconds: number; why: PlannedEnd['why'] } | null;
  url: string;
  /** The spawn form with this server's app and the options of its last start ("Start again"). */
  spawnUrl: string;
  pendingUrl: string;
  /** For a stopped server: how it ended, and when. */
  ended: { sentence: string; at: string | null } | null;
}

function options(row: ServerRow): Record<string, unknown> {
  try {
    const parsed: unknown = JSON.parse(row.options);
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/** The resources a server asked for, in words; only the keys the spawners use. */
export function resourcesText(opts: Record<string, unknown>): string {
  const parts: string[] = [];
  const n = (key: string) => (typeof opts[key] === 'number' ? (opts[key] as number) : undefined);
  const cores = n('cores');
  if (cores !== undefined) parts.push(`${cores} ${cores === 1 ? 'core' : 'cores'}`);
  if (n('memory_gb') !== undefined) parts.push(`${n('memory_gb')} GB`);
  const gpus = n('gpus');
  if (gpus) parts.push(`${gpus} ${gpus === 1 ? 'GPU' : 'GPUs'}`);
  if (n('hours') !== undefined) parts.push(`${n('hours')} h`);
  if (typeof opts.partition === 'string') parts.push(`partition ${opts.partition}`);
  if (typeof opts.account === 'string') parts.push(`account ${opts.account}`);
  return parts.join(' · ');
}

/** The host the proxy reaches the server on (the compute node), from its route. */
function nodeOf(row: ServerRow): string | null {
  if (!row.route) return null;
  try {
    return new URL((JSON.parse(row.route) as { url: string }).url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return null;
  }
}

/**
 * The spawn form to start a server again as it last was: `?again=1` on the server's own form
 * names nothing but the server, whose options the hub reads and checks itself.
 */
export function startAgainUrl(owner: string, name: string, next?: string): string {
  const params = new URLSearchParams({ again: '1', ...(next && { next }) });
  return `/hub/spawn${serverPath({ owner, name })}?${params}`;
}

const seconds = (from: string | null, now: number) =>
  from ? Math.max(0, Math.floor((now - Date.parse(from)) / 1000)) : null;

/** An idle cull is announced this long before; a time limit or maximum age always. */
const IDLE_WARNING_SECONDS = 30 * 60;

/** The end worth telling: the planned one, unless it is an idle cull still far off (then the time limit). */
function endsOf(row: ServerRow, planned: PlannedEnd | null, now: number): ServerView['ends'] {
  const left = (at: string) => Math.max(0, Math.floor((Date.parse(at) - now) / 1000));
  if (planned && (planned.why !== 'idle' || left(planned.at) <= IDLE_WARNING_SECONDS))
    return { seconds: left(planned.at), why: planned.why };
  return planned && row.limit_ends ? { seconds: left(row.limit_ends), why: 'time_limit' } : null;
}

export function serverView(
  row: ServerRow,
  owner: string,
  spawning: Pick<SpawningService, 'catalog' | 'plannedEnd'>,
  now = Date.now(),
): ServerView {
  const catalog = spawning.catalog;
  const opts = options(row);
  const path = serverPath({ owner, name: row.name });
  const running = row.status === 'running';
  const used = running
    ? seconds(row.ready ?? row.started, now)
    : row.status === 'pending'
      ? seconds(row.started, now)
      : null;
  return {
    owner,
    name: row.name,
    label: row.name === '' ? 'default' : row.name,
    app: catalog.get(row.app)?.title ?? row.app,
    status: row.status,
    resources: resourcesText(opts),
    node: running ? nodeOf(row) : null,
    usedSeconds: used,
    ends: endsOf(row, spawning.plannedEnd(row), now),
    url: serverPrefix(owner, row.name),
    spawnUrl: startAgainUrl(owner, row.name),
    pendingUrl: `/hub/spawn-pending${path}`,
    ended:
      row.status === 'stopped'
        ? { sentence: endSentence(row.end_reason, row.end_detail), at: row.stopped }
        : null,
  };
}

const STATUS_TEXT: Record<string, string> = {
  pending: 'starting',
  running: 'running',
  stopping: 'stopping',
  stopped: 'stopped',
};

export function statusBadge(status: string): SafeHtml {
  return html`<span class="badge status-${status}">${STATUS_TEXT[status] ?? status}</span>`;
}

const WHY_TEXT: Record<PlannedEnd['why'], string> = {
  time_limit: 'time limit',
  idle: 'idle',
  max_age: 'maximum run time',
};

/** "ends in 9 min: time limit". */
export function endsText(ends: NonNullable<ServerView['ends']>): string {
  const when = ends.seconds < 60 ? 'ends in less than a minute' : `ends in ${formatDuration(ends.seconds)}`;
  return `${when}: ${WHY_TEXT[ends.why]}`;
}

/** Time used and when the server ends, as the home and admin pages show them. */
export function timeText(s: ServerView): SafeHtml {
  if (s.usedSeconds === null) return html``;
  const used =
    s.status === 'pending'
      ? `waiting ${formatDuration(s.usedSeconds)}`
      : `running ${formatDuration(s.usedSeconds)}`;
  const ends = s.ends ? html` · <strong class="ends">${endsText(s.ends)}</strong>` : '';
  return html`<span>${used}${ends}</span>`;
}

function postButton(
  action: string,
  label: string,
  principal: Principal,
  fields: Record<string, string>,
  opts: { style: string; name: string },
) {
  return html`<form class="inline" method="post" action="${action}">
    ${csrfField(principal)}${Object.entries(fields).map(([k, v]) => html`<input type="hidden" name="${k}" value="${v}">`)}
    <button type="submit" class="${opts.style} small" aria-label="${label} ${opts.name}">${label}</button>
  </form>`;
}

/** The buttons of a server for its state: open, progress, stop, start, delete. */
export function serverActions(
  s: ServerView,
  principal: Principal,
  opts: { next: string; canOpen: boolean; canStart: boolean },
): SafeHtml {
  const base = `/hub/servers/${encodeURIComponent(s.owner)}`;
  const fields = { server: s.name, next: opts.next };
  const name = `${s.owner}'s server ${s.label}`;
  const stop = (label: string) =>
    postButton(`${base}/stop`, label, principal, fields, { style: 'danger', name });
  switch (s.status) {
    case 'running':
      return html`${opts.canOpen ? html`<a class="button small" href="${s.url}" aria-label="Open ${name}">Open</a>` : ''}
        ${stop('Stop')}`;
    case 'pending':
      return html`<a class="button small secondary" href="${s.pendingUrl}">Show progress</a>
        ${stop('Cancel')}`;
    case 'stopping':
      return html`<span class="muted">stopping…</span>`;
    default:
      return html`${opts.canStart ? html`<a class="button small secondary" href="${s.spawnUrl}">Start again</a>` : ''}
        ${s.name !== '' ? postButton(`${base}/delete`, 'Delete', principal, fields, { style: 'secondary', name }) : ''}`;
  }
}
