// The hub's line of starts waiting for a free start slot (spawner.concurrent_spawns): one line per
// hub, in memory as the spawning service's mirror of the `servers.line_ticket` column, which is
// written first and from which a restarted hub rebuilds the line in the same order.
//
// Order: first come, first served by ticket (the order the hub accepted the requests), fair
// across users: a user's second start waiting in line lets every other user's first one pass,
// and so on (the key is the start's rank among its owner's waiting starts, then its ticket), so
// one user's many named servers never hold the places of a whole class.
export interface LineEntry {
  serverId: number;
  userId: number;
  /** The order the hub accepted the request in (servers.line_ticket). */
  ticket: number;
}

/** Where a start stands: its rank among its owner's waiting starts, then its ticket. */
interface Key {
  rank: number;
  ticket: number;
}

const before = (a: Key, b: Key) => a.rank - b.rank || a.ticket - b.ticket;

export class StartLine {
  /**
   * The entries in line order, kept sorted as starts join and leave: a class of a thousand
   * joining and leaving one by one costs a binary search and an array move each, not a sort of
   * the whole line each time.
   */
  readonly #order: LineEntry[] = [];
  readonly #keys = new Map<number, Key>();
  /** Each user's waiting starts, by ticket: their ranks. */
  readonly #byUser = new Map<number, LineEntry[]>();
  /** The place each start was last told, so only starts whose place changed hear of it. */
  readonly #told = new Map<number, number>();

  get length(): number {
    return this.#order.length;
  }

  has(serverId: number): boolean {
    return this.#keys.has(serverId);
  }

  join(entry: LineEntry): void {
    if (this.#keys.has(entry.serverId)) this.leave(entry.serverId);
    const own = this.#byUser.get(entry.userId) ?? [];
    this.#byUser.set(entry.userId, own);
    let at = own.length;
    while (at > 0 && (own[at - 1] as LineEntry).ticket > entry.ticket) at--;
    own.splice(at, 0, entry);
    this.#rerank(own, at);
  }

  /** Takes a start out of the line (cancelled, stopped, its user gone); false if it was not in it. */
  leave(serverId: number): boolean {
    const key = this.#keys.get(serverId);
    if (!key) return false;
    const entry = this.#order[this.#indexOf(key)] as LineEntry;
    this.#remove(entry);
    this.#told.delete(serverId);
    const own = this.#byUser.get(entry.userId) ?? [];
    const at = own.indexOf(entry);
    own.splice(at, 1);
    if (own.length === 0) this.#byUser.delete(entry.userId);
    else this.#rerank(own, at);
    return true;
  }

  /** The start whose turn it is, without taking it out. */
  head(): LineEntry | undefined {
    return this.#order[0];
  }

  /** 1 for the next start to get a slot; null for a server not waiting in line. */
  placeOf(serverId: number): number | null {
    const key = this.#keys.get(serverId);
    return key ? this.#indexOf(key) + 1 : null;
  }

  /** Whether the start was ever told its place (it waited, rather than getting a slot at once). */
  told(serverId: number): boolean {
    return this.#told.has(serverId);
  }

  /** The tickets in line order (tests, logs). */
  order(): LineEntry[] {
    return [...this.#order];
  }

  /** The place of one start if it changed since it was last told (marking it told), else null. */
  tell(serverId: number): number | null {
    const position = this.placeOf(serverId);
    if (position === null || this.#told.get(serverId) === position) return null;
    this.#told.set(serverId, position);
    return position;
  }

  /** The starts whose place changed since they were last told, with their new place; marks them told. */
  moved(): { serverId: number; position: number }[] {
    const out: { serverId: number; position: number }[] = [];
    for (const [i, entry] of this.#order.entries()) {
      const position = i + 1;
      if (this.#told.get(entry.serverId) === position) continue;
      this.#told.set(entry.serverId, position);
      out.push({ serverId: entry.serverId, position });
    }
    return out;
  }

  /** Puts `own[from…]` (a user's starts from that rank on) where their ranks now place them. */
  #rerank(own: LineEntry[], from: number): void {
    for (let rank = from; rank < own.length; rank++) {
      const entry = own[rank] as LineEntry;
      if (this.#keys.get(entry.serverId)?.rank === rank) continue;
      if (this.#keys.has(entry.serverId)) this.#remove(entry);
      const key = { rank, ticket: entry.ticket };
      this.#keys.set(entry.serverId, key);
      this.#order.splice(this.#insertionPoint(key), 0, entry);
    }
  }

  #remove(entry: LineEntry): void {
    const key = this.#keys.get(entry.serverId) as Key;
    this.#order.splice(this.#indexOf(key), 1);
    this.#keys.delete(entry.serverId);
  }

  /** The first index whose key is not before `key`. */
  #insertionPoint(key: Key): number {
    let lo = 0;
    let hi = this.#order.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (before(this.#keys.get((this.#order[mid] as LineEntry).serverId) as Key, key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The index of the entry with `key` (keys are unique: tickets are). */
  #indexOf(key: Key): number {
    return this.#insertionPoint(key);
  }
}

/** What the progress page says of a place in line: "Waiting for a free start slot: 37th in line". */
export function placeMessage(position: number): string {
  return `Waiting for a free start slot: ${ordinal(position)} in line`;
}

/** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st, 101st, 111th… */
export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  switch (n % 10) {
    case 1:
      return `${n}st`;
    case 2:
      return `${n}nd`;
    case 3:
      return `${n}rd`;
    default:
      return `${n}th`;
  }
}
