// Turns every failure into the one error body (API and non-browser clients) or the one error
// page (browsers). Framework errors (bad JSON, schema failures, oversized bodies) are mapped to
// catalogue codes here, so handlers never see malformed input.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnreachable } from '../db/index.js';
import { type ErrorCode, HubError } from '../errors/index.js';
import { errorPage } from '../ui/error-page.js';
import type { Site } from '../ui/site.js';
import { trackRouteMethods } from './methods.js';
import { toFieldValidations } from './validation.js';

const FRAMEWORK_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_BAD_URL: 'bad_request',
  FST_ERR_ASYNC_CONSTRAINT: 'bad_request',
};

/** Whether the caller is a person with a browser (HTML page) rather than a client (JSON body). */
export function wantsHtml(request: FastifyRequest): boolean {
  if (request.url.startsWith('/hub/api')) return false;
  return (request.headers.accept ?? '').includes('text/html');
}

export function toHubError(error: FastifyError | HubError | Error): HubError {
  if (error instanceof HubError) return error;
  const fe = error as FastifyError;
  if (fe.validation) {
    return new HubError('validation_failed', undefined, {
      validations: toFieldValidations(fe.validation as never, fe.validationContext ?? 'body'),
    });
  }
  // JSON.parse failures inside the content-type parser surface as SyntaxError with status 400.
  if (fe.code && FRAMEWORK_CODES[fe.code]) return new HubError(FRAMEWORK_CODES[fe.code] as ErrorCode);
  if (fe.code === 'FST_ERR_MAX_PARAM_LENGTH')
    return new HubError('bad_request', undefined, {
      detail: 'A name in the path is longer than any the hub accepts.',
    });
  if (error instanceof SyntaxError && fe.statusCode === 400) return new HubError('malformed_json');
  if (fe.statusCode === 404) return new HubError('not_found');
  if (fe.statusCode === 405) return new HubError('method_not_allowed');
  if (fe.statusCode === 413) return new HubError('body_too_large');
  if (fe.statusCode === 415) return new HubError('unsupported_media_type');
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
    return new HubError('bad_request', undefined, { detail: fe.message });
  }
  if (isDatabaseUnreachable(error))
    return new HubError(
      'unavailable',
      'The hub’s database cannot be reached right now; try again in a moment.',
    );
  return new HubError('internal');
}

/** What a database outage's error says, in a few words: its code, or its message. */
function causeOf(error: Error): string {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  if (error instanceof AggregateError) return error.errors.map((e) => causeOf(e)).join(', ');
  return error.message;
}

export function sendError(reply: FastifyReply, err: HubError, site: Site): FastifyReply {
  const request = reply.request;
  if (err.headers) reply.headers(err.headers);
  reply.code(err.status);
  if (wantsHtml(request))
    return reply.type('text/html; charset=utf-8').send(errorPage(err, request.principal, site));
  return reply.type('application/json; charset=utf-8').send(err.toBody());
}

/**
 * For Fastify's `frameworkErrors`: what its router refuses before any route or hook runs (a path
 * that is not valid percent-encoding, a path segment past `maxParamLength`) gets the hub's error
 * body or page too, not Fastify's own.
 */
export function routerErrors(site: Site) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const err = toHubError(error);
    request.log.info({ code: err.code, status: err.status }, 'request refused');
    sendError(reply, err, site);
  };
}

export function installErrorHandlers(app: FastifyInstance, site: Site): void {
  const routes = trackRouteMethods(app);
  /** 405 with Allow when the path exists with other methods, else 404. */
  const unrouted = (request: FastifyRequest): HubError => {
    const allowed = routes.allowed(request.url.split('?')[0] ?? '');
    return allowed.length > 0 && !allowed.includes(request.method)
      ? new HubError('method_not_allowed', undefined, { headers: { allow: allowed.join(', ') } })
      : new HubError('not_found');
  };
  app.setErrorHandler((error: FastifyError, request, reply) => {
    // A request no route takes can fail before the not-found handler (a body-less QUERY, say).
    const err = request.is404 ? unrouted(request) : toHubError(error);
    if (isDatabaseUnreachable(error)) {
      // During an outage every request ends here: one line each, without the stack (the same
      // for all of them, and pages of it would bury the line saying what happened).
      request.log.warn(
        { code: err.code, status: err.status, cause: causeOf(error) },
        'request refused: database unreachable',
      );
    } else if (err.status >= 500) {
      request.log.error({ err: error, detail: err.detail }, 'request failed');
    } else {
      request.log.info({ code: err.code, status: err.status }, 'request refused');
    }
    return sendError(reply, err, site);
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, unrouted(request), site));
}
