// `hpchub-agent --probe`: the test job of `hpchub doctor` (see @hpchub/protocol's probe.ts). Run
// by the same job script as a server's agent, as the same user, on the same kind of node, it
// checks what a server's start depends on and exits with a PROBE_EXIT code; what it found is one
// JSON line in the job's log.
import os from 'node:os';
import {
  AGENT_ENV,
  AGENT_MIN_NODE_MAJOR,
  PROBE_EXIT,
  PROBE_MAX_SKEW_SECONDS,
  PROBE_PATH,
  pinnedRequest,
} from '@hpchub/protocol';
import type { Logger } from './log.js';
import { normalizeFingerprint } from './settings.js';

export interface ProbeOptions {
  /** Attempts when the hub does not answer (a hub restarting, a slow network). */
  attempts?: number;
  attemptTimeoutMs?: number;
  pauseMs?: number;
  /** The Node.js version to judge (tests pass an old one). */
  nodeVersion?: string;
}

// TLS failures name the certificate (Node's and OpenSSL's codes), anything else is reachability.
const TLS_CODES =
  /PIN_MISMATCH|CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ERR_TLS|ERR_SSL|EPROTO|HOSTNAME_MISMATCH|ALTNAME/;

type Outcome = { code: number; result: string; detail?: string; fields?: Record<string, unknown> };

async function askHub(
  url: URL,
  fingerprint: string | undefined,
  options: Required<Omit<ProbeOptions, 'nodeVersion'>>,
): Promise<Outcome> {
  let last: Outcome = { code: PROBE_EXIT.hubUnreachable, result: 'hub_unreachable' };
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    const sent = Date.now();
    let res: { status: number; text: string };
    try {
      res = await pinnedRequest(url, {
        method: 'GET',
        headers: { accept: 'application/json' },
        fingerprint,
        timeoutMs: options.attemptTimeoutMs,
      });
    } catch (err) {
      const error = err as NodeJS.ErrnoException;
      const why = error.code ?? error.message;
      if (TLS_CODES.test(why)) return { code: PROBE_EXIT.hubTls, result: 'hub_tls', detail: why };
      last = { code: PROBE_EXIT.hubUnreachable, result: 'hub_unreachable', detail: why };
      if (attempt < options.attempts) await new Promise((r) => setTimeout(r, options.pauseMs));
      continue;
    }
    const received = Date.now();
    const text = res.text;
    let body: { hub?: unknown; version?: unknown; time?: unknown } = {};
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON: not a hub
    }
    const hubTime = typeof body.time === 'string' ? Date.parse(body.time) : Number.NaN;
    if (res.status !== 200 || body.hub !== 'hpchub' || Number.isNaN(hubTime)) {
      return {
        code: PROBE_EXIT.notAHub,
        result: 'not_a_hub',
        detail: `HTTP ${res.status}: ${text.slice(0, 200)}`,
      };
    }
    // The hub read its clock somewhere between sending and receiving: compare with the middle,
    // and count only what the round trip cannot explain.
    const skewMs = Math.round(hubTime - (sent + received) / 2);
    const excessMs = Math.abs(skewMs) - (received - sent) / 2;
    const fields = { hub_version: body.version, skew_ms: skewMs, round_trip_ms: received - sent };
    if (excessMs > PROBE_MAX_SKEW_SECONDS * 1000) {
      return { code: PROBE_EXIT.clockSkew, result: 'clock_skew', fields };
    }
    return { code: PROBE_EXIT.ok, result: 'ok', fields };
  }
  return last;
}

export async function runProbe(
  env: NodeJS.ProcessEnv,
  log: Logger,
  options: ProbeOptions = {},
): Promise<number> {
  const base = {
    node: options.nodeVersion ?? process.version,
    host: os.hostname(),
    user: os.userInfo().username,
  };
  const major = Number(/^v?(\d+)/.exec(base.node)?.[1] ?? 0);
  if (major < AGENT_MIN_NODE_MAJOR) {
    log.error('probe', { ...base, result: 'node_too_old', need: `>= ${AGENT_MIN_NODE_MAJOR}` });
    return PROBE_EXIT.nodeTooOld;
  }
  let url: URL;
  try {
    url = new URL(env[AGENT_ENV.hubUrl] ?? '');
  } catch {
    log.error('probe', { ...base, result: 'invalid_settings', detail: `${AGENT_ENV.hubUrl} is not a URL` });
    return 2;
  }
  url.pathname = url.pathname.replace(/\/+$/, '') + PROBE_PATH;
  const fingerprint = normalizeFingerprint(env[AGENT_ENV.hubFingerprint] ?? '') ?? undefined;
  const outcome = await askHub(url, fingerprint, {
    attempts: options.attempts ?? 3,
    attemptTimeoutMs: options.attemptTimeoutMs ?? 10_000,
    pauseMs: options.pauseMs ?? 1000,
  });
  const line = { ...base, hub_url: url.toString(), result: outcome.result, ...outcome.fields };
  if (outcome.code === PROBE_EXIT.ok) log.info('probe', line);
  else log.error('probe', { ...line, detail: outcome.detail });
  return outcome.code;
}
