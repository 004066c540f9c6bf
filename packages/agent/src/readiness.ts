// Waits until the app answers its ready path with 2xx or 3xx, asking it the way a forwarded
// request would (same prefix handling, same auth), with a short pause between attempts.
import type { AppAuth } from './app-auth.js';
import { requestApp } from './app-request.js';
import type { AppTarget } from './app-target.js';
import { pause } from './timing.js';

export type ProbeResult = { ok: true; status: number } | { ok: false; why: string };

/** One GET of the ready path. */
export async function probe(
  target: AppTarget,
  auth: AppAuth,
  readyPath: string,
  timeoutMs: number,
): Promise<ProbeResult> {
  const answer = await requestApp(target, auth, 'GET', readyPath, timeoutMs);
  if (!answer.ok) return answer;
  const { status } = answer;
  return status >= 200 && status < 400 ? { ok: true, status } : { ok: false, why: `HTTP ${status}` };
}

/** Probe often while a quick start is still likely, then back off. */
const FAST_PROBE_MS = 25;
const FAST_PHASE_MS = 30_000;
const SLOW_PROBE_MAX_MS = 1000;

/**
 * The pause after a failed probe, `elapsedMs` into the wait. For the first 30 s: 25 ms — the user
 * is waiting, and a probe before the app listens is a refused connect that costs microseconds,
 * whereas a pause doubling up to 1 s left JupyterLab (ready after ~1.5 s) unseen for up to another
 * second. After that the pause doubles up to 1 s, for apps that take minutes (JupyterLab on a cold
 * file system).
 */
export function nextProbePause(elapsedMs: number, previousMs: number): number {
  if (elapsedMs < FAST_PHASE_MS) return FAST_PROBE_MS;
  return Math.min(Math.max(previousMs, FAST_PROBE_MS) * 2, SLOW_PROBE_MAX_MS);
}

/** How long one probe waits for an answer, unless the deadline comes sooner. */
const PROBE_TIMEOUT_MS = 10_000;

/** Probes until the app answers (true), the deadline passes or `signal` aborts (false). */
export async function waitUntilReady(
  target: AppTarget,
  auth: AppAuth,
  readyPath: string,
  deadline: number,
  signal: AbortSignal,
  onProbe: (result: ProbeResult) => void = () => {},
): Promise<boolean> {
  const started = Date.now();
  let wait = 0;
  while (!signal.aborted) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    const timeout = Math.min(left, PROBE_TIMEOUT_MS);
    const result = await probe(target, auth, readyPath, timeout);
    if (result.ok) {
      onProbe(result);
      return true;
    }
    // An attempt the deadline cut short and that ended with it says nothing new about the app:
    // the user reads what the last full attempt got (an HTTP 503, a refused connection).
    if (timeout === PROBE_TIMEOUT_MS || Date.now() < deadline) onProbe(result);
    wait = nextProbePause(Date.now() - started, wait);
    if (!(await pause(Math.min(wait, Math.max(0, deadline - Date.now())), signal))) return false;
  }
  return false;
}
