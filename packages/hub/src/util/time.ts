// Time: timestamps as the database stores them (ISO-8601 UTC text, see db/schema.ts), spans in
// words, the clock, and waiting a bounded time for a promise.

export function nowIso(): string {
  return new Date().toISOString();
}

export function isoIn(seconds: number, from: Date = new Date()): string {
  return new Date(from.getTime() + seconds * 1000).toISOString();
}

/** `2 h`, `2 h 05 min`, `12 min`, `3 days 4 h`, `less than a minute`: a span of time in words. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return 'less than a minute';
  const minutes = Math.floor(seconds / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h === 0) return `${m} min`;
  if (h >= 48) return `${Math.floor(h / 24)} days ${h % 24} h`;
  return m === 0 ? `${h} h` : `${h} h ${String(m).padStart(2, '0')} min`;
}

/** What the hub takes as the time now, in milliseconds (tests give a clock they control). */
export type Clock = () => number;

/** What `promise` resolves to (or its rejection) if it settles within `ms`; else undefined. */
export async function settledWithin<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(resolve, ms, undefined);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
