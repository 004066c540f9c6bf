// A counting semaphore: at most `max` tasks run at once, the rest wait in arrival order.
// PAM attempts are bounded with it because each one holds a libuv pool thread (shared with file
// system, DNS and crypto work) for up to PAM's fail delay.

export class ConcurrencyLimit {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('max must be a positive integer');
  }

  /** Tasks started and not yet finished, plus those waiting for a slot. */
  get pending(): number {
    return this.running + this.waiting.length;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next waiter, so `running` never dips and over-admits.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
