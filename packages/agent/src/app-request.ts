// One request of the agent's own to the app (not a forwarded one): the same prefix handling and
// app auth a forwarded request gets, a timeout, and the answer's status and body (bounded). Used
// for the readiness probe, the app's activity and asking the app to save its work.
import http from 'node:http';
import type { AppAuth } from './app-auth.js';
import type { AppTarget } from './app-target.js';
import { upstreamHeaders } from './request-headers.js';

export type AppAnswer = { ok: true; status: number; body: string } | { ok: false; why: string };

/** Answers larger than this are cut off: the agent reads status documents, not files. */
const MAX_BODY = 1024 * 1024;

/**
 * `method` of `relative` (a path relative to the public prefix, e.g. `/api/status`), with a JSON
 * body when `json` is given.
 */
export function requestApp(
  target: AppTarget,
  auth: AppAuth,
  method: 'GET' | 'POST' | 'PUT',
  relative: string,
  timeoutMs: number,
  json?: unknown,
): Promise<AppAnswer> {
  const path = target.appPath(target.publicPath(relative));
  if (path === null) return Promise.resolve({ ok: false, why: `${relative} is outside the prefix` });
  const body = json === undefined ? undefined : JSON.stringify(json);
  const raw = ['Host', 'localhost', 'Accept', '*/*'];
  if (body !== undefined)
    raw.push('Content-Type', 'application/json', 'Content-Length', String(Buffer.byteLength(body)));
  const headers = upstreamHeaders(raw, { auth, forwardedPrefix: target.forwardedPrefix() });
  return new Promise((resolve) => {
    const req = http.request({ ...target.connectOptions(), method, path, headers, agent: false });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= MAX_BODY) chunks.push(chunk);
      });
      res.once('end', () =>
        resolve({ ok: true, status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.once('error', (err) => resolve({ ok: false, why: err.message }));
    });
    req.once('error', (err: NodeJS.ErrnoException) => resolve({ ok: false, why: err.code ?? err.message }));
    req.end(body);
  });
}
