// Who holds one of the hub's start slots (spawner.concurrent_spawns), and how fast slots come free,
// from which a refused request learns when to come back (Retry-After).
//
// A slot stands for work of the hub itself: launching a job (a process, an sbatch), then waiting
// for its agent to report in. The spawning service decides when a start takes and gives back its
// slot (see docs/architecture.md, "Start slots and the line"); this file only keeps count.

/** How far back given-back slots count towards the pace. */
const WINDOW_MS = 120_000;
/** At most this many recent moments are kept. */
const KEEP = 64;
/** The longest Retry-After the hub will name. */
const MAX_RETRY_SECONDS = 3600;

export class StartSlots {
  /** Server id → when it took its slot (ms). */
  readonly #held = new Map<number, number>();
  /** When slots were given back, oldest first (ms). */
  readonly #freed: number[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  get inUse(): number {
    return this.#held.size;
  }

  holds(serverId: number): boolean {
    return this.#held.has(serverId);
  }

  /** The server takes a slot (again); idempotent. */
  take(serverId: number): void {
    if (!this.#held.has(serverId)) this.#held.set(serverId, this.now());
  }

  /** The server gives its slot back; false when it held none. */
  release(serverId: number): boolean {
    if (!this.#held.delete(serverId)) return false;
    this.#freed.push(this.now());
    if (this.#freed.length > KEEP) this.#freed.splice(0, this.#freed.length - KEEP);
    return true;
  }

  /** Slots given back per second lately; without any, guessed from how long the holders have taken so far. */
  perSecond(): number {
    const now = this.now();
    const recent = this.#freed.filter((t) => now - t <= WINDOW_MS);
    const first = recent[0];
    // n moments span n - 1 intervals up to the last, and the time since then counts too.
    if (first !== undefined) return Math.max(recent.length - 1, 1) / Math.max((now - first) / 1000, 1);
    const oldest = Math.min(...this.#held.values());
    if (Number.isFinite(oldest)) return this.#held.size / Math.max((now - oldest) / 1000, 1);
    return 1;
  }

  /**
   * Seconds until `starts` more starts have gone through at the current pace: when a request
   * refused because the line is full may expect room in it (Retry-After). At least 1.
   */
  retryAfterSeconds(starts: number): number {
    const seconds = Math.ceil(Math.max(starts, 1) / this.perSecond());
    return Math.min(Math.max(seconds, 1), MAX_RETRY_SECONDS);
  }
}
