// Response declarations shared by the API routes.
import { ErrorBodySchema } from '@hpchub/protocol';
import { Type } from '@sinclair/typebox';

const ErrorRef = Type.Ref(ErrorBodySchema);

/** `{status: Error}` for each status a route can answer with an error body. */
export function errorResponses<S extends number>(...statuses: S[]): Record<S, typeof ErrorRef> {
  return Object.fromEntries(statuses.map((s) => [s, ErrorRef])) as Record<S, typeof ErrorRef>;
}
