// The hub's origin as the caller reached it (scheme and host, believing X-Forwarded-* only from
// the site's trusted proxies), for full links a person hands on: a share link.
import type { FastifyRequest } from 'fastify';

export const originOf = (request: FastifyRequest): string => `${request.protocol}://${request.host}`;
