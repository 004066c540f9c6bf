// Slurm's ways of writing time, read into numbers and ISO 8601.
//
// Timestamps (squeue %S/%e, sacct Start/End, scontrol StartTime) are the controller's local time
// without a zone, `2026-11-30T08:43:09`; the hub is assumed to share the cluster's time zone (as
// on one site they do). "N/A", "Unknown", "None" and "NONE" mean no time.
// Durations (squeue %l/%M, sacct Elapsed/Timelimit, scontrol TimeLimit) are `[days-]h:mm:ss`,
// `m:ss` or `mm:ss`; "UNLIMITED", "INFINITE" and "Partition_Limit" mean no limit.

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/;

/** An ISO 8601 UTC timestamp for a Slurm local timestamp, or undefined when there is none. */
export function slurmTimestamp(text: string | undefined): string | undefined {
  const m = TIMESTAMP.exec((text ?? '').trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  const date = new Date(y, mo - 1, d, h, mi, s);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

const UNLIMITED = new Set(['UNLIMITED', 'INFINITE', 'PARTITION_LIMIT']);

/**
 * Seconds in a Slurm duration: null for unlimited, undefined when the text is not a duration
 * ("N/A", "INVALID", empty).
 */
export function slurmDuration(text: string | undefined): number | null | undefined {
  const t = (text ?? '').trim();
  if (UNLIMITED.has(t.toUpperCase())) return null;
  const m = /^(?:(\d+)-)?(\d+)(?::(\d+))?(?::(\d+))?$/.exec(t);
  if (!m) return undefined;
  const days = Number(m[1] ?? 0);
  const parts = [m[2], m[3], m[4]].filter((p): p is string => p !== undefined).map(Number);
  let seconds: number;
  if (m[1] !== undefined) {
    // days-hours[:minutes[:seconds]]
    const [h = 0, mi = 0, s = 0] = parts;
    seconds = ((days * 24 + h) * 60 + mi) * 60 + s;
  } else if (parts.length === 3) {
    const [h = 0, mi = 0, s = 0] = parts;
    seconds = (h * 60 + mi) * 60 + s;
  } else if (parts.length === 2) {
    const [mi = 0, s = 0] = parts;
    seconds = mi * 60 + s;
  } else {
    // A bare number is minutes, as Slurm reads --time=N.
    seconds = (parts[0] ?? 0) * 60;
  }
  return seconds;
}

/** `--time` value for a number of whole hours: `H:00:00`. */
export function hoursToSlurmTime(hours: number): string {
  return `${hours}:00:00`;
}
