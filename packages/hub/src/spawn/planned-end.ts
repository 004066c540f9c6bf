// When a running server will end if nothing changes, and why: the scheduler's time limit (as last
// polled), or the culler's plan (idle timeout, maximum age) — whichever comes first. What the API
// reports as `ends` and the pages say as "ends in 9 min: time limit".
import type { ServerRow } from '../db/schema.js';
import { type CullPolicy, cullPlan } from './culler.js';

export interface PlannedEnd {
  /** ISO 8601. */
  at: string;
  why: 'time_limit' | 'idle' | 'max_age';
}

export function plannedEnd(
  server: Pick<ServerRow, 'status' | 'limit_ends' | 'last_activity' | 'ready' | 'started'>,
  policy: CullPolicy,
): PlannedEnd | null {
  if (server.status !== 'running') return null;
  const ends: { at: number; why: PlannedEnd['why'] }[] = [];
  const limit = server.limit_ends ? Date.parse(server.limit_ends) : Number.NaN;
  if (Number.isFinite(limit)) ends.push({ at: limit, why: 'time_limit' });
  const cull = cullPlan(server, policy);
  if (cull) ends.push(cull);
  const first = ends.sort((a, b) => a.at - b.at)[0];
  return first ? { at: new Date(first.at).toISOString(), why: first.why } : null;
}
