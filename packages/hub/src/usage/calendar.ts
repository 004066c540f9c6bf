// Calendar periods in the hub's time zone: days, weeks (Monday to Sunday, as ISO 8601 counts
// them) and months, each the span of instants from its local midnight to the next. A day is not
// always 24 hours: where the clocks change it is 23 or 25, and these spans say so.

/** A calendar date, `YYYY-MM-DD`. */
export type CivilDate = string;

export type PeriodKind = 'day' | 'week' | 'month';

/** One period: named by its first day, spanning [`from`, `to`) as ISO-8601 UTC instants. */
export interface Period {
  period: CivilDate;
  from: string;
  to: string;
}

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The date `text` names, or undefined when it is not a real `YYYY-MM-DD` date. */
export function parseCivilDate(text: string): CivilDate | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return toCivil(t) === text && Number(m[1]) >= 1970 ? text : undefined;
}

/** A civil date as the UTC midnight of the same name (arithmetic on dates, not instants). */
const asUtc = (d: CivilDate) => Date.parse(`${d}T00:00:00Z`);
const toCivil = (t: number) => new Date(t).toISOString().slice(0, 10);

export const addDays = (d: CivilDate, n: number): CivilDate => toCivil(asUtc(d) + n * DAY_MS);

/** Days from `a` to `b`. */
export const daysBetween = (a: CivilDate, b: CivilDate) => Math.round((asUtc(b) - asUtc(a)) / DAY_MS);

/** The first day of the period of kind `kind` that `d` falls in. */
export function periodStart(d: CivilDate, kind: PeriodKind): CivilDate {
  if (kind === 'day') return d;
  if (kind === 'month') return `${d.slice(0, 7)}-01`;
  const weekday = (new Date(asUtc(d)).getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  return addDays(d, -weekday);
}

/** The first day of the period after the one starting on `start`. */
export function nextPeriod(start: CivilDate, kind: PeriodKind): CivilDate {
  if (kind === 'day') return addDays(start, 1);
  if (kind === 'week') return addDays(start, 7);
  const t = new Date(asUtc(start));
  return toCivil(Date.UTC(t.getUTCFullYear(), t.getUTCMonth() + 1, 1));
}

/** The later (earlier) of two dates: `YYYY-MM-DD` compares as text. */
export const later = (a: CivilDate, b: CivilDate) => (a > b ? a : b);
export const earlier = (a: CivilDate, b: CivilDate) => (a < b ? a : b);

/** The date an instant falls on in `zone`. */
export function civilDateAt(instant: Date, zone: string): CivilDate {
  const p = partsAt(instant.getTime(), zone);
  return toCivil(Date.UTC(p.year, p.month - 1, p.day));
}

/** The instant of local midnight at the start of `d` in `zone` (ISO-8601 UTC). */
export function startOfDay(d: CivilDate, zone: string): string {
  const wall = asUtc(d);
  // The offset at a first guess, then at the instant it gives: right across a clock change.
  let t = wall - offsetAt(wall, zone);
  t = wall - offsetAt(t, zone);
  return new Date(t).toISOString();
}

/**
 * The periods of kind `kind` from the date `from` to the date `to` (both included), the first
 * and last cut to the range: a week range starting on a Wednesday starts that week on Wednesday.
 */
export function periodsBetween(from: CivilDate, to: CivilDate, kind: PeriodKind, zone: string): Period[] {
  const out: Period[] = [];
  const end = addDays(to, 1);
  for (let start = periodStart(from, kind); start < end; start = nextPeriod(start, kind)) {
    const next = nextPeriod(start, kind);
    out.push({
      period: start,
      from: startOfDay(later(start, from), zone),
      to: startOfDay(later(next, end) === next ? end : next, zone),
    });
  }
  return out;
}

const formats = new Map<string, Intl.DateTimeFormat>();

function partsAt(t: number, zone: string) {
  let f = formats.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formats.set(zone, f);
  }
  const n: Record<string, number> = {};
  for (const part of f.formatToParts(t)) if (part.type !== 'literal') n[part.type] = Number(part.value);
  return n as { year: number; month: number; day: number; hour: number; minute: number; second: number };
}

/** How far the wall clock of `zone` is ahead of UTC at instant `t`, in ms. */
function offsetAt(t: number, zone: string): number {
  const p = partsAt(t, zone);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(t / 1000) * 1000;
}
