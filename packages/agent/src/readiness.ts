// Waits until the app answers its ready path with 2xx or 3xx, asking it the way a forwarded
// request would (same prefix handling, same auth), with a short pause between attempts.
import http from 'node:http';
import type { AppAuth } from './app-auth.js';
import type { AppTarget } from './app-target.js';
import { upstreamHeaders } from './request-headers.js';
import { pause } from './timing.js';

export type ProbeResult = { ok: true; status: number } | { ok: false; why: string };

/** One GET of the ready path. */
export function probe(
  target: AppTarget,
  auth: AppAuth,
  readyPath: string,
  timeoutMs: number,
): Promise<ProbeResult> {
  const path = target.appPath(target.publicPath(readyPath));
  if (path === null) return Promise.resolve({ ok: false, why: `${readyPath} is outside the prefix` });
  const headers = upstreamHeaders(['Host', 'localhost', 'Accept', '*/*'], {
    auth,
    forwardedPrefix: target.forwardedPrefix(),
  });
  return new Promise((resolve) => {
    const req = http.request({ ...target.connectOptions(), method: 'GET', path, headers, agent: false });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('response', (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 400 ? { ok: true, status } : { ok: false, why: `HTTP ${status}` });
    });
    req.once('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, why: err.code ?? err.message }));
    req.end();
  });
}

/**
 * Probes until the app answers (true), the deadline passes or `signal` aborts (false). The pause
 * grows from 100 ms to 1 s: most apps answer within seconds, some (JupyterLab on a cold file
 * system) take a minute.
 */
export async function waitUntilReady(
  target: AppTarget,
  auth: AppAuth,
  readyPath: string,
  deadline: number,
  signal: AbortSignal,
  onProbe: (result: ProbeResult) => void = () => {},
): Promise<boolean> {
  let wait = 100;
  while (!signal.aborted) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    const result = await probe(target, auth, readyPath, Math.min(left, 10_000));
    onProbe(result);
    if (result.ok) return true;
    if (!(await pause(Math.min(wait, Math.max(0, deadline - Date.now())), signal))) return false;
    wait = Math.min(wait * 2, 1000);
  }
  return false;
}
