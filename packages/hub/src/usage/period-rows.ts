// The rows of a statistics answer while they are being added up, whichever source (records or
// summaries) they come from: servers still running add their hours so far, then the rows are
// rounded to hours and ordered.
import type { UsageRow } from './statistics.js';

/** One period (or '' for the whole range) and key, with seconds not yet rounded to hours. */
export interface PeriodRow extends Omit<UsageRow, 'core_hours' | 'gpu_hours'> {
  coreSeconds: number;
  gpuSeconds: number;
}

export type Key = string | null;

/** A running server: its period, key, resources and start. */
export interface RunningServer {
  period: string;
  key: Key;
  cores: number;
  gpus: number;
  started_at: string;
}

export const rowId = (period: string, key: Key) => `${period}\u0000${key ?? ''}`;

/** Adds each running server's hours up to `now` to its row (every running server has one). */
export function addRunning(rows: Map<string, PeriodRow>, running: RunningServer[], now: string): void {
  for (const r of running) {
    const row = rows.get(rowId(r.period, r.key));
    const elapsed = Math.max(0, (Date.parse(now) - Date.parse(r.started_at)) / 1000);
    if (row) {
      row.coreSeconds += Number(r.cores) * elapsed;
      row.gpuSeconds += Number(r.gpus) * elapsed;
    }
  }
}

const hours = (seconds: number) => Math.round((seconds / 3600) * 100) / 100;

/** The rows with hours, ordered by period and key. */
export function finishRows(rows: Iterable<PeriodRow>): UsageRow[] {
  return [...rows]
    .map(({ coreSeconds, gpuSeconds, ...row }) => ({
      ...row,
      core_hours: hours(coreSeconds),
      gpu_hours: hours(gpuSeconds),
    }))
    .sort((a, b) => a.period.localeCompare(b.period) || (a.key ?? '').localeCompare(b.key ?? ''));
}
