// The range and grouping a request for usage statistics asks for, checked: real dates in order,
// at most ten years, known groupings. Defaults: the last 26 weeks by week and app.
import { type TProperties, Type } from '@sinclair/typebox';
import { HubError } from '../errors/index.js';
import {
  addDays,
  civilDateAt,
  daysBetween,
  type PeriodKind,
  parseCivilDate,
  periodStart,
} from './calendar.js';
import { DIMENSIONS, type Dimension, type UsageFilters, type UsageQuery } from './statistics.js';

const text = (description: string) => Type.Optional(Type.String({ maxLength: 200, description }));

/** The query parameters of a usage request (the API's and the admin page's), as a schema. */
export const UsageQuerystring = {
  from: text('First day, `YYYY-MM-DD` in the hub’s time zone (default: the Monday 25 weeks before `to`).'),
  to: text('Last day, included (default: today). At most ten years after `from`.'),
  group_by: Type.Optional(
    Type.Unsafe<PeriodKind>({
      type: 'string',
      enum: ['week', 'day', 'month'],
      description: 'The periods (default: week, Monday to Sunday).',
    }),
  ),
  by: Type.Optional(
    Type.Unsafe<Dimension>({
      type: 'string',
      enum: [...DIMENSIONS],
      description: 'What each period is split by (default: app).',
    }),
  ),
  app: text('Only starts of this app.'),
  group: text('Only starts by members of this group (membership when the start was requested).'),
  partition: text('Only starts in this partition.'),
} satisfies TProperties;

/** The longest range one request may cover. */
export const MAX_RANGE_DAYS = 3653;
export const DEFAULT_WEEKS = 26;

export interface UsageParams extends UsageFilters {
  from?: string;
  to?: string;
  group_by?: PeriodKind;
  by?: Dimension;
}

/** The query `params` ask for, in `zone` on the day of `now`; a 400 naming the field otherwise. */
export function usageQuery(params: UsageParams, zone: string, now = new Date()): UsageQuery {
  const problems: { field: string; message: string }[] = [];
  const date = (field: 'from' | 'to') => {
    const text = params[field];
    if (text === undefined) return undefined;
    const d = parseCivilDate(text);
    if (!d)
      problems.push({
        field: `querystring.${field}`,
        message: 'Must be a date written YYYY-MM-DD, such as 2026-03-30.',
      });
    return d;
  };
  const today = civilDateAt(now, zone);
  const to = date('to') ?? today;
  const from = date('from') ?? addDays(periodStart(to, 'week'), -7 * (DEFAULT_WEEKS - 1));
  if (problems.length === 0) {
    if (from > to) problems.push({ field: 'querystring.to', message: `Must not be before from (${from}).` });
    else if (daysBetween(from, to) >= MAX_RANGE_DAYS)
      problems.push({ field: 'querystring.from', message: 'Must be at most ten years before to.' });
  }
  if (problems.length > 0) throw new HubError('validation_failed', undefined, { validations: problems });
  const { app, group, partition, user } = params;
  const filters: UsageFilters = Object.fromEntries(
    Object.entries({ app, group, partition, user }).filter(([, v]) => v !== undefined && v !== ''),
  );
  return { from, to, groupBy: params.group_by ?? 'week', by: params.by, filters, zone, now };
}
