// Reading one series of a prom-client registry in tests: the value of a counter or gauge, or a
// histogram's count and sum, for exactly the given labels (0 when the series does not exist).
import type { Registry } from 'prom-client';

type Labels = Record<string, string>;

const matches = (have: Record<string, string | number | undefined>, want: Labels) =>
  Object.keys(have).length === Object.keys(want).length &&
  Object.entries(want).every(([k, v]) => String(have[k]) === v);

/** A counter's or gauge's value; for a histogram, pass `_count` or `_sum` as `suffix`. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Labels = {},
  suffix: '' | '_count' | '_sum' = '',
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name} in the registry`);
  const { values } = await metric.get();
  const wanted = name + suffix;
  const series = values.find(
    (v) => ((v as { metricName?: string }).metricName ?? name) === wanted && matches(v.labels, labels),
  );
  return series?.value ?? 0;
}
