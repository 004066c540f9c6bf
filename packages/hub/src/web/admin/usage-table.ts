// The numbers the usage page shows for one measure: a row per period, a column per app (or per
// the one app filtered for), and the totals of the range. The chart, the table under it and the
// CSV download are all drawn from this one table, so they cannot disagree.
import type { Measure, UsageStatistics, UsageTotal } from '../../usage/index.js';

export const MEASURE_LABELS: Record<Measure, string> = {
  sessions: 'Sessions started',
  users: 'Distinct users',
  core_hours: 'Core-hours',
  gpu_hours: 'GPU-hours',
  median_queue_wait_seconds: 'Median queue wait (seconds)',
  median_time_to_ready_seconds: 'Median time to ready (seconds)',
};

/** Medians of a period without starts are unknown, not zero. */
const isMedian = (m: Measure) => m.startsWith('median_');

export interface UsageTable {
  measure: Measure;
  /** The series: apps (or whatever the report is split by), `null` shown as "none". */
  columns: (string | null)[];
  rows: { period: string; values: (number | null)[] }[];
  totals: (number | null)[];
}

export function usageTable(stats: UsageStatistics, measure: Measure): UsageTable {
  const columns = [...new Set(stats.totals.map((t) => t.key))].sort((a, b) =>
    (a ?? '').localeCompare(b ?? ''),
  );
  const empty = isMedian(measure) ? null : 0;
  const cells = new Map(stats.rows.map((r) => [`${r.period}\u0000${r.key ?? ''}`, r[measure]]));
  const rows = stats.periods.map((period) => ({
    period,
    values: columns.map((key) => cells.get(`${period}\u0000${key ?? ''}`) ?? empty),
  }));
  const totals = columns.map((key) => (stats.totals.find((t) => t.key === key) as UsageTotal)[measure]);
  return { measure, columns, rows, totals };
}

export const columnLabel = (key: string | null) => key ?? 'none';

/** A number as the page and the CSV write it: whole where whole, else two decimals. */
export function formatValue(value: number | null): string {
  if (value === null) return '';
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}
