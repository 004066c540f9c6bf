// Messages to the hub's agent API (ready, progress, heartbeat, stopping), each a POST carrying
// the server's secret. The hub may be restarting: network errors, 5xx, 408 and 429 are retried
// with capped exponential backoff; any other answer is final. An https hub with a self-signed
// certificate is pinned by fingerprint, checked before the secret is written (pinnedRequest).
import {
  AGENT_ENV,
  AGENT_PATHS,
  AGENT_SECRET_HEADER,
  PIN_MISMATCH,
  pinnedRequest,
  UNKNOWN_SERVER_CODE,
} from '@hpchub/protocol';
import type { Logger } from './log.js';
import { pause } from './timing.js';

export type HubMessage = keyof typeof AGENT_PATHS;

export type HubAnswer =
  | { ok: true; status: number }
  /**
   * `status` when the hub answered (a final 4xx), absent when it never did; `code` is the hub's
   * error code, when its answer had one.
   */
  | { ok: false; status?: number; code?: string; error: string };

/** Whether the hub answered that it does not know this server (see UNKNOWN_SERVER_CODE). */
export function hubForgotServer(answer: HubAnswer): boolean {
  return !answer.ok && answer.status === 404 && answer.code === UNKNOWN_SERVER_CODE;
}

export interface SendOptions {
  /** Attempts before giving up; default unlimited (until `signal` aborts or `deadline`). */
  attempts?: number;
  /** Give up after this time (ms since epoch). */
  deadline?: number;
  signal?: AbortSignal;
}

export interface HubClientSettings {
  hubUrl: URL;
  hubFingerprint: string | undefined;
  secret: string;
  serverId: string;
}

const ATTEMPT_TIMEOUT_MS = 10_000;

export class HubClient {
  /** First pause between attempts and its cap; tests shorten them. */
  constructor(
    private readonly settings: HubClientSettings,
    private readonly log: Logger,
    private readonly backoff = { firstMs: 250, maxMs: 15_000 },
  ) {}

  async send(kind: HubMessage, body: object, opts: SendOptions = {}): Promise<HubAnswer> {
    const maxAttempts = opts.attempts ?? Number.POSITIVE_INFINITY;
    let wait = this.backoff.firstMs;
    let last: HubAnswer = { ok: false, error: 'not sent' };
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (opts.signal?.aborted) return { ok: false, error: 'aborted' };
      last = await this.post(kind, body);
      if (last.ok) return last;
      const retry =
        last.status === undefined || last.status >= 500 || last.status === 408 || last.status === 429;
      this.log.warn('hub_message_failed', {
        message: kind,
        attempt,
        status: last.status,
        error: last.error,
        retry,
      });
      if (!retry) return last;
      // Jitter spreads the retries of many agents after a hub restart.
      const ms = Math.min(wait, this.backoff.maxMs) * (0.75 + Math.random() * 0.5);
      if (opts.deadline !== undefined && Date.now() + ms > opts.deadline) return last;
      if (attempt < maxAttempts && !(await pause(ms, opts.signal))) return { ok: false, error: 'aborted' };
      wait *= 2;
    }
    return last;
  }

  private url(kind: HubMessage): URL {
    const url = new URL(this.settings.hubUrl);
    url.pathname = url.pathname.replace(/\/+$/, '') + AGENT_PATHS[kind](this.settings.serverId);
    return url;
  }

  private async post(kind: HubMessage, body: object): Promise<HubAnswer> {
    const payload = Buffer.from(JSON.stringify(body));
    try {
      const { status, text } = await pinnedRequest(this.url(kind), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'content-length': String(payload.length),
          [AGENT_SECRET_HEADER]: this.settings.secret,
        },
        body: payload,
        fingerprint: this.settings.hubFingerprint,
        timeoutMs: ATTEMPT_TIMEOUT_MS,
      });
      if (status >= 200 && status < 300) return { ok: true, status };
      return { ok: false, status, ...hubError(text) };
    } catch (err) {
      const error = err as NodeJS.ErrnoException;
      if (error.code === PIN_MISMATCH)
        return { ok: false, error: `the hub's certificate does not match ${AGENT_ENV.hubFingerprint}` };
      return { ok: false, error: error.code ?? error.message };
    }
  }
}

/** The hub's error message (what was wrong, for the log) and code, from its answer's body. */
function hubError(body: string): { error: string; code?: string } {
  try {
    const parsed = JSON.parse(body) as { message?: unknown; code?: unknown };
    if (typeof parsed.message === 'string')
      return {
        error: parsed.message.slice(0, 500),
        ...(typeof parsed.code === 'string' ? { code: parsed.code } : {}),
      };
  } catch {
    // not JSON: use the text
  }
  return { error: body.slice(0, 500) || 'no body' };
}
