// A task run every interval (polling servers, flushing activity, purging expired rows): at most
// one run at a time — a call while one is in flight gets that run — and close() stops the timer
// and waits for the run in flight. The timer never keeps the process alive.

export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly task: () => Promise<void>,
    private readonly intervalMs: number,
  ) {}

  /** Starts the timer; the first run comes after one interval (call runOnce() for one now). */
  start(): void {
    this.timer ??= setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  /** One run now, or the one in flight. */
  runOnce(): Promise<void> {
    this.running ??= this.task().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
