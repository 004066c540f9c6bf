// What a heartbeat says about when a server was last used: the traffic through the agent, the
// app's own last activity, and — when the app's cull policy counts them — a kernel computing
// right now. Times from the node are never taken to be later than the hub's now (a node's clock
// ahead of the hub's would otherwise keep a server alive).
import type { AgentHeartbeat } from '@hpchub/protocol';

/** The latest activity a heartbeat reports, at most `now`; null when it reports none. */
export function heartbeatActivity(beat: AgentHeartbeat, busyCounts: boolean, now: number): Date | null {
  const times = [beat.last_activity, beat.app?.last_activity]
    .map((t) => (t ? Date.parse(t) : Number.NaN))
    .filter((t) => Number.isFinite(t))
    .map((t) => Math.min(t, now));
  if (beat.app?.busy && busyCounts) times.push(now);
  return times.length === 0 ? null : new Date(Math.max(...times));
}
