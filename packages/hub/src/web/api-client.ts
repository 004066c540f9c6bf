// The pages act through the REST API, as the signed-in person: a form handler forwards the
// change to the API route in-process (Fastify inject) with the caller's own session cookie and
// CSRF token. So access rules and validation ("you cannot block yourself", token scopes, spawn
// options) live once, in the API, and the pages only render what it answers.
import type { ErrorBodyWire as ErrorBody } from '@hpchub/protocol';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type ErrorCode, HubError } from '../errors/index.js';

export type ApiResult<T> =
  | { ok: true; status: number; body: T }
  | { ok: false; status: number; error: ErrorBody };

export async function callApi<T = unknown>(
  app: FastifyInstance,
  request: FastifyRequest,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<ApiResult<T>> {
  const headers: Record<string, string> = {
    accept: 'application/json',
    cookie: request.headers.cookie ?? '',
    'x-xsrftoken': request.principal?.csrfToken ?? '',
  };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await app.inject({
    method,
    url: `/hub/api${path}`,
    headers,
    ...(body !== undefined && { payload: JSON.stringify(body) }),
  });
  const parsed: unknown = res.body ? JSON.parse(res.body) : null;
  if (res.statusCode < 400) return { ok: true, status: res.statusCode, body: parsed as T };
  return { ok: false, status: res.statusCode, error: parsed as ErrorBody };
}

/** The answer's body, or the API's error thrown on (to the error page). */
export function orThrow<T>(result: ApiResult<T>): T {
  if (result.ok) return result.body;
  throw new HubError(result.error.code as ErrorCode, result.error.message, {
    ...(result.error.validations && { validations: result.error.validations }),
  });
}
