// A constant-rate (open-loop) load generator, since wrk2 is not in Debian: requests are sent on
// a fixed schedule whether or not earlier ones were answered, so a slow answer cannot hold back
// the next request (no coordinated omission). Prints one JSON line with latency percentiles,
// both from the moment each request was sent (`latency_ms`) and from the moment it was due
// (`scheduled_ms`, which adds the generator's own timer lag, the same for every target).
// Usage: node --import tsx bench/proxy/rate.ts <url> <requests/s> <seconds> [cookie]
import http from 'node:http';

const [url, rateArg, secondsArg, cookie] = process.argv.slice(2);
if (!url || !rateArg || !secondsArg) throw new Error('usage: rate.ts <url> <requests/s> <seconds> [cookie]');
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const warmup = Math.min(2, seconds) * rate;
const total = warmup + rate * seconds;
const target = new URL(url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1024, scheduling: 'lifo' });
const headers: Record<string, string> = cookie ? { cookie } : {};

const sentLatency = new Float64Array(total);
const dueLatency = new Float64Array(total);
let sent = 0;
let finished = 0;
let errors = 0;
let non2xx = 0;
const interval = 1000 / rate;
const start = performance.now() + 20;

function fire(i: number, due: number): void {
  const t0 = performance.now();
  const req = http.request(
    { agent, host: target.hostname, port: target.port, path: target.pathname + target.search, headers },
    (res) => {
      if (res.statusCode !== 200) non2xx++;
      res.resume();
      res.on('end', () => {
        const t = performance.now();
        sentLatency[i] = t - t0;
        dueLatency[i] = t - due;
        done();
      });
    },
  );
  req.on('error', () => {
    errors++;
    sentLatency[i] = Number.NaN;
    dueLatency[i] = Number.NaN;
    done();
  });
  req.end();
}

function tick(): void {
  const now = performance.now();
  while (sent < total && start + sent * interval <= now) {
    fire(sent, start + sent * interval);
    sent++;
  }
  if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
}

function percentiles(values: Float64Array): Record<string, number> {
  const kept = Array.from(values.subarray(warmup)).filter((v) => !Number.isNaN(v));
  kept.sort((a, b) => a - b);
  const at = (p: number) =>
    kept[Math.min(kept.length - 1, Math.floor((p / 100) * kept.length))] ?? Number.NaN;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  return {
    p50: round(at(50)),
    p90: round(at(90)),
    p99: round(at(99)),
    p999: round(at(99.9)),
    max: round(kept.at(-1) ?? Number.NaN),
  };
}

function done(): void {
  if (++finished < total) return;
  const elapsed = (performance.now() - start) / 1000;
  process.stdout.write(
    `${JSON.stringify({
      rate,
      seconds,
      achieved_rate: Math.round(total / elapsed),
      requests: total - warmup,
      errors,
      non2xx,
      latency_ms: percentiles(sentLatency),
      scheduled_ms: percentiles(dueLatency),
    })}\n`,
  );
  agent.destroy();
}

setTimeout(tick, 20);
