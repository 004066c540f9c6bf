// A histogram for hot paths (every proxied request, every database query): each observation is
// a few additions into arrays, for one of a fixed set of label combinations ("slots") chosen by
// index. prom-client's own Histogram builds a key from the label values on every observe()
// (about a microsecond); this one takes prom-client's shape only when the registry is read.
import type { MetricValue, Registry } from 'prom-client';

export interface SlotHistogramOptions {
  name: string;
  help: string;
  /** The label values of each slot, in slot order. */
  slots: readonly Record<string, string>[];
  /** Upper bounds, increasing (+Inf is implied). */
  buckets: readonly number[];
}

export class SlotHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  readonly #slots: readonly Record<string, string>[];
  readonly #bounds: readonly number[];
  readonly #count: Float64Array;
  readonly #sum: Float64Array;
  /** Per slot, the observations in each bucket (not cumulative), +Inf last. */
  readonly #buckets: Float64Array;

  constructor(registry: Registry, options: SlotHistogramOptions) {
    this.name = options.name;
    this.help = options.help;
    this.#slots = options.slots;
    this.#bounds = options.buckets;
    this.#count = new Float64Array(this.#slots.length);
    this.#sum = new Float64Array(this.#slots.length);
    this.#buckets = new Float64Array(this.#slots.length * (this.#bounds.length + 1));
    // The registry only calls get() and reset(), which this has in the shape of prom-client's.
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
  }

  observe(slot: number, seconds: number): void {
    const bounds = this.#bounds;
    let b = 0;
    while (b < bounds.length && seconds > (bounds[b] as number)) b++;
    const at = slot * (bounds.length + 1) + b;
    this.#buckets[at] = (this.#buckets[at] ?? 0) + 1;
    this.#count[slot] = (this.#count[slot] ?? 0) + 1;
    this.#sum[slot] = (this.#sum[slot] ?? 0) + seconds;
  }

  /** Observations of a slot so far. */
  count(slot: number): number {
    return this.#count[slot] ?? 0;
  }

  async get() {
    const values: (MetricValue<string> & { metricName: string })[] = [];
    const width = this.#bounds.length + 1;
    this.#slots.forEach((labels, slot) => {
      const count = this.count(slot);
      if (count === 0) return;
      let cumulative = 0;
      this.#bounds.forEach((le, i) => {
        cumulative += this.#buckets[slot * width + i] ?? 0;
        values.push({ metricName: `${this.name}_bucket`, labels: { ...labels, le }, value: cumulative });
      });
      values.push(
        { metricName: `${this.name}_bucket`, labels: { ...labels, le: '+Inf' }, value: count },
        { metricName: `${this.name}_sum`, labels, value: this.#sum[slot] ?? 0 },
        { metricName: `${this.name}_count`, labels, value: count },
      );
    });
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  reset(): void {
    for (const a of [this.#count, this.#sum, this.#buckets]) a.fill(0);
  }
}
