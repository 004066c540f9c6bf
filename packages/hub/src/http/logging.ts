// Structured logs with pino. Secrets never reach a log line: credentials travel in headers and
// bodies, which are redacted or not logged at all, and URLs are logged with the values of any
// secret-looking query parameter replaced. Lines are JSON for machines, or prettified for a
// person at a terminal; redaction happens before either, so both are equally clean.
import type { FastifyRequest } from 'fastify';
import type { LoggerOptions } from 'pino';
import pinoPretty from 'pino-pretty';

/** `log.format`: json, pretty, or auto (pretty on a terminal). */
export type LogFormat = 'auto' | 'json' | 'pretty';

const SECRET_PARAMS = /([?&](?:token|_xsrf|password|secret|access_token|code)=)[^&#]*/gi;

export function redactUrl(url: string): string {
  return url.replace(SECRET_PARAMS, '$1[redacted]');
}

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'password',
  '*.password',
  'token',
  '*.token',
  'secret',
  '*.secret',
];

export function loggerOptions(
  level: string,
  stream?: NodeJS.WritableStream,
): LoggerOptions & { stream?: NodeJS.WritableStream } {
  const options: LoggerOptions & { stream?: NodeJS.WritableStream } = {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req(request: FastifyRequest) {
        return {
          method: request.method,
          url: redactUrl(request.url),
          remoteAddress: request.ip,
        };
      },
    },
  };
  if (stream) options.stream = stream;
  return options;
}

/** Whether lines written to `stream` (stdout when absent) should be prettified. */
export function wantsPretty(format: LogFormat, stream?: NodeJS.WritableStream): boolean {
  if (format !== 'auto') return format === 'pretty';
  const target = (stream ?? process.stdout) as NodeJS.WritableStream & { isTTY?: boolean };
  return target.isTTY === true;
}

/**
 * Where pino writes: `stream` itself for JSON, or a prettifier in front of it. The prettifier
 * runs in this thread (not as a pino transport's worker), so lines keep their order with what
 * the CLI prints and nothing is lost when the process exits right after logging.
 */
export function logDestination(
  format: LogFormat,
  stream?: NodeJS.WritableStream,
): NodeJS.WritableStream | undefined {
  if (!wantsPretty(format, stream)) return stream;
  const tty = ((stream ?? process.stdout) as { isTTY?: boolean }).isTTY === true;
  return pinoPretty({
    destination: stream ?? 1,
    colorize: tty,
    sync: true,
    translateTime: 'SYS:yyyy-mm-dd HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
}
