// Who performs an action, as the account, token and news rules take it from a route (a REST API
// route or a page alike): the caller's Principal, for the rules about who may do what, and the
// request's log, so that the line saying what was done carries the request's id.
import type { Principal } from './scopes.js';

/** The part of a logger the rules write to (a Fastify request's log is one). */
export interface ActionLog {
  info(fields: object, message: string): void;
}

export interface Caller {
  principal: Principal;
  log: ActionLog;
}
