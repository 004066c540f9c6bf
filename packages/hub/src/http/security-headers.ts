// Security headers for the hub's own pages and API. A strict Content-Security-Policy (no inline
// script or style) means an injected tag cannot run even if escaping were ever missed.
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

const CSP_DIRECTIVES = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "object-src 'none'",
];

/**
 * The policy, with `formOrigins` added to `form-action`: the browser applies form-action to
 * where a form's answer redirects, and signing out (a form) ends at a single sign-on provider.
 */
export function contentSecurityPolicy(formOrigins: readonly string[]): string {
  return CSP_DIRECTIVES.map((d) =>
    d.startsWith('form-action') && formOrigins.length > 0 ? `${d} ${formOrigins.join(' ')}` : d,
  ).join('; ');
}

export const securityHeadersPlugin = fp(
  async (app: FastifyInstance, options: { formOrigins: readonly string[] }) => {
    const policy = contentSecurityPolicy(options.formOrigins);
    app.addHook('onSend', async (request, reply) => {
      // Proxied user servers set their own policies; only the hub's own answers get ours.
      if (request.url.startsWith('/user/')) return;
      reply.header('x-content-type-options', 'nosniff');
      reply.header('referrer-policy', 'same-origin');
      reply.header('x-frame-options', 'DENY');
      reply.header('content-security-policy', policy);
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    });
  },
  { name: 'hpchub-security-headers' },
);
