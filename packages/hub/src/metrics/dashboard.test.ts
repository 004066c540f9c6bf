// docs/grafana-dashboard.json uses only metrics the hub has: every metric name in its queries is
// one the hub's registry serves (a histogram's _bucket, _count and _sum included).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { openTestDatabase } from '../test-support/db.js';
import { HubMetrics } from './hub-metrics.js';

const DASHBOARD = new URL('../../../../docs/grafana-dashboard.json', import.meta.url);
const PROMQL_WORDS = new Set(['sum', 'rate', 'increase', 'histogram_quantile']);

test('the Grafana dashboard asks only for metrics that exist', async () => {
  const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  const db = await openTestDatabase();
  try {
    const metrics = new HubMetrics();
    metrics.countRowsOf(db.db);
    const served = new Set<string>();
    for (const m of await metrics.registry.getMetricsAsJSON()) {
      served.add(m.name);
      if (String(m.type) === 'histogram')
        for (const s of ['_bucket', '_count', '_sum']) served.add(m.name + s);
    }
    const used = new Set<string>();
    for (const panel of dashboard.panels)
      for (const { expr } of panel.targets) {
        // Names outside label matchers, groupings and strings, less PromQL's own words.
        const bare = expr
          .replace(/\b(?:by|without)\s*\([^)]*\)/g, '')
          .replace(/\{[^}]*\}/g, '')
          .replace(/\[[^\]]*\]/g, '')
          .replace(/"[^"]*"/g, '');
        for (const word of bare.match(/[a-z_:][a-z0-9_:]*/g) ?? [])
          if (!PROMQL_WORDS.has(word)) used.add(word);
      }
    assert.ok(used.size >= 8, [...used].join(' '));
    assert.deepEqual(
      [...used].filter((name) => !served.has(name)),
      [],
      'metrics the dashboard uses that the hub does not serve',
    );
  } finally {
    await db.close();
  }
});
