// Times and durations as the pages show them. Times are in the hub's time zone, which the pages
// name, so that "from 08:00" means the same to every reader and to the admin who wrote it.

const zone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** `2026-05-04 08:00` in the hub's time zone. */
export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The hub's time zone name, for labels ("times in Europe/Zurich"). */
export function timeZoneName(): string {
  return zone();
}

/** The value of a `datetime-local` input for a stored time: local time of the hub, minutes. */
export function toLocalInput(iso: string | null): string {
  return iso ? formatDate(iso).replace(' ', 'T') : '';
}

/** A `datetime-local` value (hub's time zone) as a UTC ISO string; null when empty, undefined when invalid. */
export function fromLocalInput(value: string | undefined): string | null | undefined {
  const v = (value ?? '').trim();
  if (v === '') return null;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(v)) return undefined;
  // A date-time without an offset is local time by the ECMAScript rules: the hub's zone.
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export { formatDuration } from '../util/time.js';
