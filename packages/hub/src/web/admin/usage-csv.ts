// The usage table as CSV (RFC 4180), exactly as the page shows it. A text cell that a spreadsheet
// would take for a formula (starting with =, +, -, @, or a tab or carriage return) is written
// with a leading apostrophe, so an app or group name can never run as a formula.
import { columnLabel, formatValue, MEASURE_LABELS, type UsageTable } from './usage-table.js';

const FORMULA_START = /^[=+\-@\t\r]/;

export function csvCell(text: string): string {
  const safe = FORMULA_START.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function usageCsv(table: UsageTable, periodLabel: string): string {
  const line = (cells: string[]) => `${cells.join(',')}\r\n`;
  let out = line([periodLabel, ...table.columns.map(columnLabel)].map(csvCell));
  for (const row of table.rows) out += line([row.period, ...row.values.map(formatValue)].map(csvCell));
  out += line([`Total: ${MEASURE_LABELS[table.measure]}`, ...table.totals.map(formatValue)].map(csvCell));
  return out;
}
