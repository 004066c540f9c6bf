// What the app itself says about its use, read at every heartbeat (AppActivitySourceSchema in
// @hpchub/protocol). Jupyter Server: `/api/status` (last activity of the whole server) and
// `/api/kernels` (each kernel's execution state and connections); both are asked with
// `no_track_activity`, so the agent's own questions never count as use. code-server: `/healthz`,
// which code-server keeps out of its own heartbeat, and whose last heartbeat moves while a
// browser holds a connection open. Apps with nothing better report no app activity: traffic
// through the agent is what the hub has.
import type { AppActivity, AppActivitySource } from '@hpchub/protocol';
import type { AppAuth } from './app-auth.js';
import { requestApp } from './app-request.js';
import type { AppTarget } from './app-target.js';

const TIMEOUT_MS = 5000;

export type ActivityReader = () => Promise<AppActivity | undefined>;

async function json(target: AppTarget, auth: AppAuth, path: string): Promise<unknown> {
  const answer = await requestApp(target, auth, 'GET', path, TIMEOUT_MS);
  if (!answer.ok || answer.status !== 200) return undefined;
  try {
    return JSON.parse(answer.body) as unknown;
  } catch {
    return undefined;
  }
}

/** An ISO time from the app, normalised; null when it gives none or nonsense. */
function isoOrNull(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const ms = typeof value === 'number' ? value : Date.parse(value);
  return Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : null;
}

interface JupyterKernel {
  execution_state?: unknown;
  connections?: unknown;
  last_activity?: unknown;
}

async function jupyterActivity(target: AppTarget, auth: AppAuth): Promise<AppActivity | undefined> {
  // The kernels first, then the status: a kernel seen busy has already moved the last activity
  // the status then reports (asked at once, the status could be the older of the two answers).
  const kernels = await json(target, auth, '/api/kernels?no_track_activity=1');
  const status = await json(target, auth, '/api/status?no_track_activity=1');
  if (!status || typeof status !== 'object' || !Array.isArray(kernels)) return undefined;
  const list = kernels as JupyterKernel[];
  return {
    last_activity: isoOrNull((status as { last_activity?: unknown }).last_activity),
    busy: list.some((k) => k.execution_state === 'busy'),
    kernels: list.length,
    connections: list.reduce((n, k) => n + (typeof k.connections === 'number' ? k.connections : 0), 0),
  };
}

async function codeServerActivity(target: AppTarget, auth: AppAuth): Promise<AppActivity | undefined> {
  const health = (await json(target, auth, '/healthz')) as { lastHeartbeat?: unknown } | undefined;
  if (!health || typeof health !== 'object') return undefined;
  return { last_activity: isoOrNull(health.lastHeartbeat), busy: false };
}

/** The reader for an app's activity source. */
export function activityReader(source: AppActivitySource, target: AppTarget, auth: AppAuth): ActivityReader {
  switch (source) {
    case 'jupyter':
      return () => jupyterActivity(target, auth);
    case 'code-server':
      return () => codeServerActivity(target, auth);
    case 'traffic':
      return () => Promise.resolve(undefined);
  }
}
