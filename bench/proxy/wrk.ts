// Runs wrk (closed loop, as many requests as the target answers) and reads its results from a
// Lua `done` hook that prints them as JSON, rather than parsing its human-readable report.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tempDir } from './processes.js';

const REPORT = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,' ..
    '"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"p999":%d,"max":%d}}\\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency:percentile(99.9), latency.max))
end
`;

let script: string | undefined;

function reportScript(): string {
  if (script === undefined) {
    script = join(tempDir('hpchub-bench-wrk-'), 'report.lua');
    writeFileSync(script, REPORT);
  }
  return script;
}

export interface WrkResult {
  requests_per_second: number;
  requests: number;
  non2xx: number;
  socket_errors: number;
  latency_ms: { mean: number; p50: number; p90: number; p99: number; p999: number; max: number };
}

export async function wrk(
  url: string,
  options: { seconds: number; connections: number; threads: number; headers?: Record<string, string> },
): Promise<WrkResult> {
  const args = [
    '-t',
    String(options.threads),
    '-c',
    String(options.connections),
    '-d',
    `${options.seconds}s`,
    '-s',
    reportScript(),
  ];
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}: ${value}`);
  const { stdout } = await promisify(execFile)('wrk', [...args, url], { maxBuffer: 1 << 20 });
  const line = stdout.split('\n').find((l) => l.startsWith('WRKJSON '));
  if (!line) throw new Error(`wrk printed no result:\n${stdout}`);
  const raw = JSON.parse(line.slice(8)) as {
    requests: number;
    duration_us: number;
    non2xx: number;
    socket_errors: number;
    latency_us: Record<'mean' | 'p50' | 'p90' | 'p99' | 'p999' | 'max', number>;
  };
  const ms = (us: number) => Math.round(us) / 1000;
  const l = raw.latency_us;
  return {
    requests_per_second: Math.round(raw.requests / (raw.duration_us / 1e6)),
    requests: raw.requests,
    non2xx: raw.non2xx,
    socket_errors: raw.socket_errors,
    latency_ms: {
      mean: ms(l.mean),
      p50: ms(l.p50),
      p90: ms(l.p90),
      p99: ms(l.p99),
      p999: ms(l.p999),
      max: ms(l.max),
    },
  };
}
