// Timestamps as the database stores them: ISO-8601 UTC text (see db/schema.ts).

export function nowIso(): string {
  return new Date().toISOString();
}

export function isoIn(seconds: number, from: Date = new Date()): string {
  return new Date(from.getTime() + seconds * 1000).toISOString();
}
