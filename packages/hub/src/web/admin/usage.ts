// /hub/admin/usage: usage statistics for admins — a chart with one series per app (or user,
// group, partition) of the measure chosen, over a range (the last 26 weeks by default), the same
// numbers in a table under it, and /hub/admin/usage.csv with exactly that table. Filters and the
// measure are a plain GET form, so the page needs no script.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from '@sinclair/typebox';
import { usageTimeZone } from '../../config/index.js';
import { html, type SafeHtml } from '../../ui/html.js';
import {
  DIMENSIONS,
  MEASURES,
  type Measure,
  type PeriodKind,
  UsageQuerystring,
  usageQuery,
  usageStatistics,
} from '../../usage/index.js';
import { listGroups } from '../../users/store.js';
import { sendPage, type WebDeps } from '../render.js';
import { adminTabs } from './tabs.js';
import { usageChart } from './usage-chart.js';
import { usageCsv } from './usage-csv.js';
import { columnLabel, formatValue, MEASURE_LABELS, type UsageTable, usageTable } from './usage-table.js';

const PageQuery = Type.Object(
  {
    ...UsageQuerystring,
    measure: Type.Optional(
      Type.Unsafe<Measure>({ type: 'string', enum: [...MEASURES], description: 'What the chart shows.' }),
    ),
  },
  { additionalProperties: false },
);
type PageParams = Static<typeof PageQuery>;

const PERIOD_LABELS: Record<PeriodKind, string> = { week: 'Week from', day: 'Day', month: 'Month' };
const BY_LABELS: Record<(typeof DIMENSIONS)[number], string> = {
  app: 'App',
  user: 'User',
  group: 'Group',
  partition: 'Partition',
};

const admin = { access: { kind: 'admin' as const } };

export const adminUsageRoutes: FastifyPluginAsyncTypebox<WebDeps> = async (app, { hub, site, spawning }) => {
  async function shown(params: PageParams) {
    const q = usageQuery({ by: 'app', ...params }, usageTimeZone(hub.config));
    const measure = params.measure ?? 'sessions';
    const table = usageTable(await usageStatistics(hub.db, q), measure);
    return { q, table };
  }

  app.get(
    '/hub/admin/usage',
    { config: admin, schema: { hide: true, querystring: PageQuery } },
    async (request, reply) => {
      const { q, table } = await shown(request.query);
      const groups = (await listGroups(hub.db, 0, 1000)).map((g) => g.name);
      const apps = spawning.catalog.apps.map((a) => a.id);
      const query = new URLSearchParams(
        Object.entries(request.query).filter(
          (e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '',
        ),
      );
      const caption = `${MEASURE_LABELS[table.measure]} per ${q.groupBy} by ${q.by}, ${q.from} to ${q.to} (${q.zone})`;
      const body = html`${adminTabs('usage')}
      <section class="panel" aria-labelledby="usage-title">
        <h2 id="usage-title">Usage statistics</h2>
        ${filterForm(request.query, { from: q.from, to: q.to }, apps, groups)}
        ${usageChart(table, caption)}
        <p><a class="button secondary" href="/hub/admin/usage.csv${query.size > 0 ? `?${query}` : ''}" download>Download CSV</a>
          <span class="muted small">A start counts in the ${q.groupBy} it was requested in; servers still running count up to now.</span></p>
        ${numbersTable(table, PERIOD_LABELS[q.groupBy], caption)}
      </section>`;
      return sendPage(reply, site, { title: 'Usage · Admin', current: 'admin' }, body);
    },
  );

  app.get(
    '/hub/admin/usage.csv',
    { config: admin, schema: { hide: true, querystring: PageQuery } },
    async (request, reply) => {
      const { q, table } = await shown(request.query);
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="usage-${table.measure}-${q.from}-${q.to}.csv"`)
        .send(usageCsv(table, PERIOD_LABELS[q.groupBy]));
    },
  );
};

function numbersTable(table: UsageTable, periodLabel: string, caption: string): SafeHtml {
  return html`<div class="table-wrap"><table class="usage-table">
    <caption>${caption}</caption>
    <thead><tr><th scope="col">${periodLabel}</th>${table.columns.map((c) => html`<th scope="col" class="num">${columnLabel(c)}</th>`)}</tr></thead>
    <tbody>${table.rows.map(
      (r) =>
        html`<tr><th scope="row">${r.period}</th>${r.values.map((v) => html`<td class="num">${v === null ? '—' : formatValue(v)}</td>`)}</tr>`,
    )}</tbody>
    <tfoot><tr><th scope="row">Total</th>${table.totals.map((v) => html`<td class="num">${v === null ? '—' : formatValue(v)}</td>`)}</tr></tfoot>
  </table></div>`;
}

function options(
  values: readonly string[],
  chosen: string | undefined,
  labels?: Record<string, string>,
): SafeHtml[] {
  return values.map(
    (v) => html`<option value="${v}"${v === chosen ? html` selected` : ''}>${labels?.[v] ?? v}</option>`,
  );
}

function filterForm(
  p: PageParams,
  range: { from: string; to: string },
  apps: readonly string[],
  groups: readonly string[],
): SafeHtml {
  const field = (name: string, label: string, control: SafeHtml) =>
    html`<div class="field"><label for="u-${name}">${label}</label>${control}</div>`;
  return html`<form class="usage-filters" method="get" action="/hub/admin/usage">
    ${field('measure', 'Measure', html`<select id="u-measure" name="measure">${options(MEASURES, p.measure ?? 'sessions', MEASURE_LABELS)}</select>`)}
    ${field('group_by', 'Per', html`<select id="u-group_by" name="group_by">${options(['week', 'day', 'month'], p.group_by ?? 'week')}</select>`)}
    ${field('by', 'One line per', html`<select id="u-by" name="by">${options(DIMENSIONS, p.by ?? 'app', BY_LABELS)}</select>`)}
    ${field('from', 'From', html`<input id="u-from" name="from" type="date" value="${range.from}">`)}
    ${field('to', 'To', html`<input id="u-to" name="to" type="date" value="${range.to}">`)}
    ${field('app', 'App', html`<select id="u-app" name="app"><option value="">All apps</option>${options(apps, p.app)}</select>`)}
    ${field('group', 'Group', html`<select id="u-group" name="group"><option value="">All groups</option>${options(groups, p.group)}</select>`)}
    ${field('partition', 'Partition', html`<input id="u-partition" name="partition" type="text" value="${p.partition ?? ''}" placeholder="All partitions">`)}
    <div class="field"><button type="submit">Show</button></div>
  </form>`;
}
