// Expired sessions and API tokens are refused as soon as they expire (their lookups check the
// time), but their rows would stay forever: this removes them once at start and then every
// interval, so the tables hold only credentials that can still be used.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import { purgeExpiredSessions } from './sessions.js';
import { purgeExpiredTokens } from './tokens.js';

export const PURGE_INTERVAL_MS = 60 * 60 * 1000;

export interface PurgeOptions {
  db: Kysely<Database>;
  log: Pick<Logger, 'info' | 'warn'>;
  intervalMs?: number;
  /** The clock (tests give their own). */
  now?: () => Date;
}

export class ExpiredCredentialsPurge {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(private readonly options: PurgeOptions) {}

  /** Purges now, then every interval. */
  start(): Promise<void> {
    this.timer ??= setInterval(() => void this.runOnce(), this.options.intervalMs ?? PURGE_INTERVAL_MS);
    this.timer.unref();
    return this.runOnce();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One purge; overlapping calls share the one in flight. A failure is logged, never thrown. */
  runOnce(): Promise<void> {
    this.running ??= this.purge().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async purge(): Promise<void> {
    const { db, log } = this.options;
    const now = (this.options.now?.() ?? new Date()).toISOString();
    try {
      const sessions = await purgeExpiredSessions(db, now);
      const tokens = await purgeExpiredTokens(db, now);
      if (sessions + tokens > 0) log.info({ sessions, tokens }, 'expired sessions and tokens removed');
    } catch (err) {
      log.warn({ err }, 'could not remove expired sessions and tokens; trying again later');
    }
  }
}
