// The audit trail: one structured log line per call, after the answer is sent — who (token id),
// what (endpoint), for whom (user), result (status and, for a refusal, why). Refusals set their
// reason on the request; the onResponse hook writes the line, so no path can skip it.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface AuditRecord {
  who?: string;
  what: string;
  for?: string[];
  job?: string;
  reason?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    audit: AuditRecord;
  }
}

export function installAudit(app: FastifyInstance): void {
  app.decorateRequest('audit', null as unknown as AuditRecord);
  app.addHook('onRequest', async (request) => {
    request.audit = { what: request.routeOptions.config?.endpoint ?? `unrouted ${request.method}` };
  });
  app.addHook('onResponse', async (request, reply) => {
    const a = request.audit;
    const status = reply.statusCode;
    app.log.info(
      {
        audit: {
          who: a.who ?? null,
          what: a.what,
          for: a.for ?? [],
          ...(a.job ? { job: a.job } : {}),
          result: status < 400 ? 'ok' : 'refused',
          status,
          ...(a.reason ? { reason: a.reason } : {}),
        },
      },
      'audit',
    );
  });
}

/** Answers with the one error body and records why in the audit line. */
export function refuse(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: string,
  message: string,
  validations?: { field: string; message: string }[],
): FastifyReply {
  request.audit.reason = `${code}: ${message}`;
  return reply.code(status).send({ code, message, ...(validations ? { validations } : {}) });
}
