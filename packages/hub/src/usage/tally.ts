// What a set of usage records adds up to: starts, core- and GPU-seconds, the distinct users, and
// how many starts waited each number of seconds in the queue and until ready. Counts per value
// rather than a running median: summaries of periods merge into any range and the median stays
// exact. One summary row (usage_summaries) holds one tally; the statistics merge them.

/** What one record adds to a tally. */
export interface Contribution {
  /** The user's number in usage_users. */
  user: number;
  coreSeconds: number;
  gpuSeconds: number;
  queueWait: number | null;
  timeToReady: number | null;
}

/** A tally as its summary row stores it. */
export interface TallyColumns {
  sessions: number;
  core_seconds: number;
  gpu_seconds: number;
  users: string;
  queue_waits: string;
  times_to_ready: string;
}

/** The same as read back: PostgreSQL's bigint comes as a string. */
export type StoredTally = Omit<TallyColumns, 'core_seconds' | 'gpu_seconds'> & {
  core_seconds: number | string;
  gpu_seconds: number | string;
};

export class Tally {
  sessions = 0;
  coreSeconds = 0;
  gpuSeconds = 0;
  readonly users = new Set<number>();
  readonly queueWaits = new Map<number, number>();
  readonly timesToReady = new Map<number, number>();

  /** Adds a record. */
  add(c: Contribution): void {
    this.sessions += 1;
    this.coreSeconds += c.coreSeconds;
    this.gpuSeconds += c.gpuSeconds;
    this.users.add(c.user);
    count(this.queueWaits, c.queueWait, 1);
    count(this.timesToReady, c.timeToReady, 1);
  }

  /**
   * Adds a stored tally, parsed (parseTally), so one parse serves several tallies; its users
   * too unless told not to (a caller that only counts them: DistinctCounter).
   */
  mergeParsed(p: ParsedTally, users = true): void {
    this.sessions += p.sessions;
    this.coreSeconds += p.coreSeconds;
    this.gpuSeconds += p.gpuSeconds;
    if (users) for (const u of p.users) this.users.add(u);
    for (let i = 0; i < p.queueWaits.length; i += 2)
      count(this.queueWaits, p.queueWaits[i] as number, p.queueWaits[i + 1] as number);
    for (let i = 0; i < p.timesToReady.length; i += 2)
      count(this.timesToReady, p.timesToReady[i] as number, p.timesToReady[i + 1] as number);
  }

  columns(): TallyColumns {
    return {
      sessions: this.sessions,
      core_seconds: this.coreSeconds,
      gpu_seconds: this.gpuSeconds,
      users: JSON.stringify([...this.users].sort((a, b) => a - b)),
      queue_waits: pairs(this.queueWaits),
      times_to_ready: pairs(this.timesToReady),
    };
  }
}

/** A stored tally read from its columns: the lists as stored ([seconds, starts, …] pairs). */
export interface ParsedTally {
  sessions: number;
  coreSeconds: number;
  gpuSeconds: number;
  users: number[];
  queueWaits: number[];
  timesToReady: number[];
}

export function parseTally(row: StoredTally): ParsedTally {
  return {
    sessions: Number(row.sessions),
    coreSeconds: Number(row.core_seconds),
    gpuSeconds: Number(row.gpu_seconds),
    users: JSON.parse(row.users) as number[],
    queueWaits: JSON.parse(row.queue_waits) as number[],
    timesToReady: JSON.parse(row.times_to_ready) as number[],
  };
}

/** The middle value of counted values; the mean of the two middle ones when their number is even. */
export function medianOf(counts: Map<number, number>): number | null {
  let n = 0;
  for (const c of counts.values()) n += c;
  if (n === 0) return null;
  // 1-based positions of the middle values (one position when n is odd).
  const lo = Math.floor((n + 1) / 2);
  const hi = Math.floor((n + 2) / 2);
  let seen = 0;
  let low: number | undefined;
  for (const v of [...counts.keys()].sort((a, b) => a - b)) {
    seen += counts.get(v) as number;
    if (low === undefined && seen >= lo) low = v;
    if (seen >= hi) return ((low as number) + v) / 2;
  }
  return null;
}

function count(counts: Map<number, number>, value: number | null, by: number): void {
  if (value === null) return;
  const n = (counts.get(value) ?? 0) + by;
  if (n === 0) counts.delete(value);
  else counts.set(value, n);
}

const pairs = (counts: Map<number, number>) =>
  JSON.stringify([...counts.entries()].sort((a, b) => a[0] - b[0]).flat());

/**
 * A stored count of values (queue_waits, times_to_ready) with one start moved from the value
 * `from` to `to` (null: not counted there).
 */
export function movedCount(stored: string, from: number | null, to: number | null): string {
  const counts = new Map<number, number>();
  const list = JSON.parse(stored) as number[];
  for (let i = 0; i < list.length; i += 2) counts.set(list[i] as number, list[i + 1] as number);
  count(counts, from, -1);
  count(counts, to, 1);
  return pairs(counts);
}

/** A stored sorted user list with `user` added, or undefined when it is listed already. */
export function withUser(stored: string, user: number): string | undefined {
  const users = JSON.parse(stored) as number[];
  let lo = 0;
  let hi = users.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((users[mid] as number) < user) lo = mid + 1;
    else hi = mid;
  }
  if (users[lo] === user) return undefined;
  users.splice(lo, 0, user);
  return JSON.stringify(users);
}

/**
 * Counts the distinct numbers in several sorted lists of user numbers, one count after another,
 * with one array marked by the count's own stamp: no set to build, nothing to clear in between.
 */
export class DistinctCounter {
  #seen: Int32Array;
  #stamp = 0;

  constructor(lists: Iterable<number[]>) {
    let max = 0;
    for (const list of lists) max = Math.max(max, list.at(-1) ?? 0);
    this.#seen = new Int32Array(max + 1);
  }

  count(lists: number[][]): number {
    const seen = this.#seen;
    const stamp = ++this.#stamp;
    let n = 0;
    for (const list of lists)
      for (const id of list)
        if (seen[id] !== stamp) {
          seen[id] = stamp;
          n++;
        }
    return n;
  }
}
