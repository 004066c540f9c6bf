// Who may call what, declared with each route (`config: { endpoint, users }`) and enforced here
// for every route alike: a valid, unexpired bearer token (else 401), the endpoint among the
// token's (else 403), and every user the request acts for among the token's users and a regular
// account of this host (uid ≥ min_uid; root and system accounts refused).
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type AccountLookup, refusal } from './accounts.js';
import { refuse } from './audit.js';
import type { Endpoint } from './config.js';
import type { Caller, TokenStore } from './tokens.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The endpoint a token must be allowed; 'public' for the OpenAPI document. */
    endpoint?: Endpoint | 'public';
    /** Also required (POST /v1/jobs/raw needs submit and raw_script). */
    alsoRequires?: Endpoint;
    /** The users a request acts for, read from its validated parts. */
    users?: (request: FastifyRequest) => string[];
  }
  interface FastifyRequest {
    caller: Caller | null;
  }
}

export interface AccessOptions {
  tokens: TokenStore;
  accounts: AccountLookup;
  minUid: number;
  maxUid: number;
}

export function installAccess(
  app: FastifyInstance,
  { tokens, accounts, minUid, maxUid }: AccessOptions,
): void {
  app.decorateRequest('caller', null);
  app.addHook('onRequest', async (request, reply) => {
    const { endpoint, alsoRequires } = request.routeOptions.config ?? {};
    if (endpoint === 'public' || endpoint === undefined) return;
    const caller = tokens.authenticate(request.headers.authorization);
    if (!caller)
      return refuse(request, reply, 401, 'unauthenticated', 'A valid, unexpired bearer token is required.');
    request.caller = caller;
    request.audit.who = caller.id;
    for (const needed of [endpoint, alsoRequires]) {
      if (needed && !caller.endpoints.has(needed))
        return refuse(request, reply, 403, 'forbidden', `This token may not use the ${needed} endpoint.`);
    }
  });
  // After validation: the users are known to be well-formed names.
  app.addHook('preHandler', async (request, reply) => {
    const users = [...new Set(request.routeOptions.config?.users?.(request) ?? [])];
    if (users.length === 0) return;
    request.audit.for = users;
    const caller = request.caller;
    const notAllowed = users.filter((u) => caller?.users && !caller.users.has(u));
    if (notAllowed.length > 0)
      return refuse(
        request,
        reply,
        403,
        'user_not_allowed',
        `This token may not act for ${notAllowed.join(', ')}.`,
      );
    const problems: { field: string; message: string }[] = [];
    for (const user of users) {
      const why = await refusal(await accounts(user), { minUid, maxUid });
      if (why) problems.push({ field: 'user', message: `${user}: ${why}` });
    }
    if (problems.length > 0)
      return refuse(
        request,
        reply,
        400,
        'user_refused',
        'The request names accounts that cannot run jobs.',
        problems,
      );
  });
}
