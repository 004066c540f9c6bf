// Mixed traffic at a constant rate (open loop: each request leaves on its schedule whether or
// not earlier ones were answered, so a slow answer cannot hide the ones behind it), round-robin
// over named routes, with latency percentiles per route.

export interface Route {
  name: string;
  /** Sends one request and resolves with its status once the answer has been read whole. */
  send(i: number): Promise<number>;
}

export interface RouteFigures {
  requests: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  non_2xx: number;
  server_errors: number;
  failed: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return Math.round((sorted[Math.max(0, i)] ?? 0) * 100) / 100;
}

/** Sends `rate` requests per second for `seconds`, over `routes` in turn. */
export async function mixedLoad(
  routes: Route[],
  rate: number,
  seconds: number,
): Promise<Record<string, RouteFigures>> {
  const times = new Map<string, number[]>(routes.map((r) => [r.name, []]));
  const statuses = new Map<string, number[]>(routes.map((r) => [r.name, []]));
  const total = Math.round(rate * seconds);
  const start = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const route = routes[i % routes.length] as Route;
    const t0 = performance.now();
    inFlight.push(
      route.send(i).then(
        (status) => {
          times.get(route.name)?.push(performance.now() - t0);
          statuses.get(route.name)?.push(status);
        },
        () => {
          statuses.get(route.name)?.push(0);
        },
      ),
    );
  }
  await Promise.all(inFlight);
  const figures: Record<string, RouteFigures> = {};
  for (const route of routes) {
    const sorted = [...(times.get(route.name) ?? [])].sort((a, b) => a - b);
    const seen = statuses.get(route.name) ?? [];
    figures[route.name] = {
      requests: seen.length,
      p50_ms: percentile(sorted, 50),
      p99_ms: percentile(sorted, 99),
      max_ms: percentile(sorted, 100),
      non_2xx: seen.filter((s) => s < 200 || s >= 300).length,
      server_errors: seen.filter((s) => s >= 500).length,
      failed: seen.filter((s) => s === 0).length,
    };
  }
  return figures;
}
