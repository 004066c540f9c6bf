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

export class StartLine {
  readonly #entries = new Map<number, LineEntry>();
  /** The entries in line order, and each one's place; rebuilt after each change (the line is bounded). */
  #order: LineEntry[] = [];
  #places = new Map<number, number>();
  /** The place each start was last told, so only starts whose place changed hear of it. */
  readonly #told = new Map<number, number>();

  get length(): number {
    return this.#entries.size;
  }

  has(serverId: number): boolean {
    return this.#entries.has(serverId);
  }

  join(entry: LineEntry): void {
    this.#entries.set(entry.serverId, entry);
    this.#reorder();
  }

  /** Takes a start out of the line (cancelled, stopped, its user gone); false if it was not in it. */
  leave(serverId: number): boolean {
    if (!this.#entries.delete(serverId)) return false;
    this.#told.delete(serverId);
    this.#reorder();
    return true;
  }

  /** The start whose turn it is, without taking it out. */
  head(): LineEntry | undefined {
    return this.#order[0];
  }

  /** 1 for the next start to get a slot; null for a server not waiting in line. */
  placeOf(serverId: number): number | null {
    return this.#places.get(serverId) ?? null;
  }

  /** Whether the start was ever told its place (it waited, rather than getting a slot at once). */
  told(serverId: number): boolean {
    return this.#told.has(serverId);
  }

  /** The tickets in line order (tests, logs). */
  order(): LineEntry[] {
    return [...this.#order];
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

  #reorder(): void {
    const byUser = new Map<number, LineEntry[]>();
    for (const entry of this.#entries.values()) {
      const own = byUser.get(entry.userId) ?? [];
      own.push(entry);
      byUser.set(entry.userId, own);
    }
    const keyed: { entry: LineEntry; rank: number }[] = [];
    for (const own of byUser.values()) {
      own.sort((a, b) => a.ticket - b.ticket);
      for (const [rank, entry] of own.entries()) keyed.push({ entry, rank });
    }
    keyed.sort((a, b) => a.rank - b.rank || a.entry.ticket - b.entry.ticket);
    this.#order = keyed.map((k) => k.entry);
    this.#places = new Map(this.#order.map((e, i) => [e.serverId, i + 1]));
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
