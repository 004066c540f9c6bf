// One class pressing Start: `users` clients, each sending its start within the same second, as a
// student's browser would, honouring a 429's Retry-After by coming back after that many seconds
// (a refused student does by hand what this does at once), or after a fixed wait in its place
// (the hub of the original report always said 30). Each client then follows its progress
// stream until ready and opens its server through the hub's proxy. Times are seconds since the
// class began.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerModel } from '@hpchub/protocol';
import { readEvents } from '../../packages/hub/src/test-support/hub.js';

export interface Student {
  user: string;
  token: string;
}

export interface StudentTiming {
  user: string;
  /** When the first start request was sent. */
  pressed_s: number;
  /** When the hub accepted it (202). */
  accepted_s: number;
  /** The progress stream said ready. */
  ready_s: number;
  /** The server answered through the proxy: the student is in the app. */
  in_app_s: number;
  /** 429 answers before being accepted, and the Retry-After of each. */
  refusals: number;
  retry_after_s: number[];
  /** The place in line the 202 answer named (null: a slot at once). */
  line_position: number | null;
}

const READY_TIMEOUT_MS = 600_000;

/** How long a client waits after a 429, given the Retry-After it was sent. */
export type RetryPolicy = (retryAfter: number) => number;

async function student(
  hub: string,
  s: Student,
  app: string,
  t0: number,
  retry: RetryPolicy,
): Promise<StudentTiming> {
  const since = () => (performance.now() - t0) / 1000;
  // Everyone presses Start within the same second.
  await sleep(Math.random() * 1000);
  const pressed = since();
  const headers = { authorization: `token ${s.token}` };
  const retryAfter: number[] = [];
  let server: ServerModel;
  for (;;) {
    const res = await fetch(`${hub}/hub/api/users/${s.user}/server`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ user_options: { app } }),
    });
    const text = await res.text();
    if (res.status === 429) {
      const seconds = Number(res.headers.get('retry-after'));
      if (!Number.isFinite(seconds) || seconds < 0)
        throw new Error(`429 without a usable Retry-After: ${text}`);
      retryAfter.push(seconds);
      await sleep(retry(seconds) * 1000);
      continue;
    }
    if (res.status !== 202 && res.status !== 201)
      throw new Error(`${s.user}: start answered ${res.status}: ${text}`);
    server = JSON.parse(text) as ServerModel;
    break;
  }
  const accepted = since();
  const events = await readEvents<{ ready?: boolean; failed?: boolean; message?: string }>(
    `${hub}${server.progress_url}`,
    headers,
    { until: (e) => Boolean(e.ready || e.failed), timeoutMs: READY_TIMEOUT_MS },
  );
  if (!events.at(-1)?.ready)
    throw new Error(`${s.user}: the start did not succeed: ${JSON.stringify(events.at(-1))}`);
  const ready = since();
  const app200 = await fetch(`${hub}${server.url}`, { headers });
  const body = await app200.text();
  if (app200.status !== 200 || body !== 'tiny')
    throw new Error(`${s.user}: the app answered ${app200.status} through the proxy: ${body.slice(0, 200)}`);
  return {
    user: s.user,
    pressed_s: round(pressed),
    accepted_s: round(accepted),
    ready_s: round(ready),
    in_app_s: round(since()),
    refusals: retryAfter.length,
    retry_after_s: retryAfter,
    line_position: server.line_position,
  };
}

/** The whole class, from the moment the first may press Start. */
export async function surge(
  hub: string,
  students: Student[],
  app: string,
  retry: RetryPolicy,
): Promise<StudentTiming[]> {
  const t0 = performance.now();
  return Promise.all(students.map((s) => student(hub, s, app, t0, retry)));
}

export function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
