// Expired sessions and API tokens are refused as soon as they expire (their lookups check the
// time), but their rows would stay forever: this removes them once at start and then every
// interval, so the tables hold only credentials that can still be used.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Database } from '../db/schema.js';
import { Periodic } from '../util/periodic.js';
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
  private readonly periodic: Periodic;

  constructor(private readonly options: PurgeOptions) {
    this.periodic = new Periodic(() => this.purge(), options.intervalMs ?? PURGE_INTERVAL_MS);
  }

  /** Purges now, then every interval. */
  start(): Promise<void> {
    this.periodic.start();
    return this.periodic.runOnce();
  }

  close(): Promise<void> {
    return this.periodic.close();
  }

  /** One purge; overlapping calls share the one in flight. A failure is logged, never thrown. */
  runOnce(): Promise<void> {
    return this.periodic.runOnce();
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
