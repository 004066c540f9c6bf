// What the spawning service tells whoever watches it (the hub's Prometheus metrics): how long
// starts took, how long jobs waited in the scheduler's queue and the agent took to answer, how
// long stops took. Only durations and outcomes: nothing that names a user.
export interface SpawnObserver {
  /** A start is over, `seconds` after it was requested: ready, or failed/cancelled. */
  spawnEnded(outcome: 'success' | 'failure', seconds: number): void;
  /** A job was first seen running after waiting `seconds` in the scheduler's queue. */
  queued(seconds: number): void;
  /** The agent reported the app ready `seconds` after its job started running. */
  agentReady(seconds: number): void;
  /** A stop took `seconds`. */
  stopped(seconds: number): void;
}

/** For a service that nobody watches (tests, `hpchub doctor`). */
export const UNOBSERVED: SpawnObserver = {
  spawnEnded: () => {},
  queued: () => {},
  agentReady: () => {},
  stopped: () => {},
};
