// Usage records and statistics: what the spawning service writes about every start (record.ts)
// and the summaries kept with them (summaries.ts, built from the records by summaries-build.ts),
// the calendar of the hub's time zone (calendar.ts) and the statistics (statistics.ts), with the
// checked range of a request (range.ts).
export { type CivilDate, civilDateAt, type PeriodKind, periodStart } from './calendar.js';
export { DEFAULT_WEEKS, MAX_RANGE_DAYS, type UsageParams, UsageQuerystring, usageQuery } from './range.js';
export { recentWeeks, type WeekTotals } from './recent-weeks.js';
export {
  openRecord,
  recordEnded,
  recordReady,
  recordRunning,
  recordSubmitted,
  requestedResources,
  type UsageRequest,
} from './record.js';
export {
  DIMENSIONS,
  type Dimension,
  MEASURES,
  type Measure,
  type UsageFilters,
  type UsageQuery,
  type UsageRow,
  type UsageStatistics,
  type UsageTotal,
  usageStatistics,
} from './statistics.js';
export { buildSummaries, syncSummaries } from './summaries-build.js';
