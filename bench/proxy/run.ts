// `npm run bench:proxy`: hpchub's proxy side by side with configurable-http-proxy 5 and nginx, in
// one run on this machine, all forwarding a 1 KiB GET to the same trivial upstream on loopback.
//   1. throughput (wrk, closed loop): direct, hpchub with a real logged-in session cookie, CHP,
//      nginx (one worker per core, and one worker); median of rounds, taken in turn;
//   2. latency at a fixed 1,000 requests/s (rate.ts, open loop): p99 added over direct;
//   3. 2,000 WebSockets held and echoed through hpchub, ten rounds, hub memory between rounds;
//   4. 100,000 requests to an upstream that refuses connections: hub file descriptors and memory.
// Prints a report, writes bench/results/proxy.json, and ends with one JSON line of the headline
// numbers. `--quick` runs a shorter version (a smoke test of the benchmark itself).
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Browser } from '../../packages/hub/src/test-support/hub.js';
import { startChp, startNginx } from './peers.js';
import {
  BENCH_PASSWORD,
  BENCH_USER,
  CHP_BIN,
  checkTools,
  NGINX_BIN,
  ROOT,
  startHub,
  startUpstream,
  stopAll,
} from './processes.js';
import { refusingRequests } from './refusing.js';
import { websocketRounds } from './websockets.js';
import { type WrkResult, wrk } from './wrk.js';

const quick = process.argv.includes('--quick');
const PLAN = quick
  ? {
      rounds: 1,
      seconds: 3,
      connections: 64,
      rate: 1000,
      rateSeconds: 4,
      websockets: 200,
      wsRounds: 2,
      refusing: 4000,
    }
  : {
      rounds: 3,
      seconds: 8,
      connections: 64,
      rate: 1000,
      rateSeconds: 15,
      websockets: 2000,
      wsRounds: 10,
      refusing: 100_000,
    };

const run = promisify(execFile);
const round2 = (n: number) => Math.round(n * 100) / 100;

async function versions() {
  const text = async (cmd: string, args: string[]) => {
    try {
      const { stdout, stderr } = await run(cmd, args);
      return (stdout + stderr).trim().split('\n')[0] ?? '';
    } catch (err) {
      // wrk --version exits 1 after printing its version.
      const e = err as { stdout?: string; stderr?: string };
      return `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n')[0] ?? '';
    }
  };
  return {
    node: process.version,
    cpus: cpus().length,
    cpu_model: cpus()[0]?.model ?? '',
    nginx: await text(NGINX_BIN, ['-v']),
    wrk: (await text('wrk', ['--version'])).split(' [')[0] ?? '',
    configurable_http_proxy: await text(CHP_BIN, ['--version']),
  };
}

async function check(url: string, headers: Record<string, string>): Promise<void> {
  const res = await fetch(url, { headers });
  const body = await res.arrayBuffer();
  if (res.status !== 200 || body.byteLength !== 1024)
    throw new Error(`${url} answered ${res.status} with ${body.byteLength} bytes`);
}

function median(results: WrkResult[]): WrkResult {
  const sorted = [...results].sort((a, b) => a.requests_per_second - b.requests_per_second);
  return sorted[Math.floor(sorted.length / 2)] as WrkResult;
}

async function fixedRate(url: string, cookie?: string) {
  const args = [
    '--import',
    'tsx',
    join(ROOT, 'bench/proxy/rate.ts'),
    url,
    String(PLAN.rate),
    String(PLAN.rateSeconds),
  ];
  if (cookie) args.push(cookie);
  const { stdout } = await run(process.execPath, args, { cwd: ROOT });
  return JSON.parse(stdout) as {
    achieved_rate: number;
    errors: number;
    non2xx: number;
    latency_ms: Record<string, number>;
    scheduled_ms: Record<string, number>;
  };
}

async function main(): Promise<void> {
  if (!checkTools()) process.exit(1);
  const loadBefore = loadavg();
  if ((loadBefore[0] ?? 0) > cpus().length / 2)
    console.log(
      `note: load average ${loadBefore[0]} on ${cpus().length} CPUs: other work is running, expect noisy numbers`,
    );
  console.log(`hpchub proxy benchmark${quick ? ' (quick)' : ''}: ${JSON.stringify(PLAN)}`);
  const upstream = await startUpstream();
  const hub = await startHub(upstream);
  const browser = new Browser(hub.url);
  const login = await browser.submitLogin(BENCH_USER, BENCH_PASSWORD);
  if (login.status !== 303) throw new Error(`login failed with ${login.status}`);
  const cookie = browser.cookieHeader();
  const chp = await startChp(upstream.port);
  const nginx = await startNginx(upstream.port, 'auto');
  const nginx1 = await startNginx(upstream.port, 1);

  const path = `/user/${BENCH_USER}/`;
  const targets: Record<string, { url: string; headers: Record<string, string> }> = {
    direct: { url: `http://127.0.0.1:${upstream.port}${path}`, headers: {} },
    hpchub: { url: `${hub.url}${path}`, headers: { cookie } },
    chp: { url: `${chp}${path}`, headers: {} },
    nginx: { url: `${nginx}${path}`, headers: {} },
    nginx_1worker: { url: `${nginx1}${path}`, headers: {} },
  };
  for (const t of Object.values(targets)) await check(t.url, t.headers);

  console.log(
    `\n1. Throughput, 1 KiB GET: wrk -t1 -c${PLAN.connections}, ${PLAN.seconds} s, median of ${PLAN.rounds}`,
  );
  const samples: Record<string, WrkResult[]> = {};
  for (const [name, t] of Object.entries(targets)) {
    await wrk(t.url, { seconds: 2, connections: PLAN.connections, threads: 1, headers: t.headers }); // warm-up
    samples[name] = [];
  }
  for (let r = 0; r < PLAN.rounds; r++) {
    for (const [name, t] of Object.entries(targets)) {
      const result = await wrk(t.url, {
        seconds: PLAN.seconds,
        connections: PLAN.connections,
        threads: 1,
        headers: t.headers,
      });
      if (result.non2xx > 0 || result.socket_errors > 0)
        console.log(
          `  warning: ${name}: ${result.non2xx} non-2xx answers, ${result.socket_errors} socket errors`,
        );
      samples[name]?.push(result);
    }
  }
  const throughput = Object.fromEntries(
    Object.entries(samples).map(([name, s]) => [
      name,
      { ...median(s), rounds: s.map((x) => x.requests_per_second) },
    ]),
  );
  const rps = (name: string) => (throughput[name] as WrkResult).requests_per_second;
  for (const [name, t] of Object.entries(throughput)) {
    const l = t.latency_ms;
    console.log(
      `  ${name.padEnd(14)} ${String(t.requests_per_second).padStart(7)} req/s  (${round2(t.requests_per_second / rps('direct'))}x direct)` +
        `  latency p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, max ${l.max} ms`,
    );
  }
  const ratios = {
    ratio_vs_chp: round2(rps('hpchub') / rps('chp')),
    ratio_vs_nginx: round2(rps('hpchub') / rps('nginx')),
    ratio_vs_nginx_1worker: round2(rps('hpchub') / rps('nginx_1worker')),
    hpchub_vs_direct: round2(rps('hpchub') / rps('direct')),
    chp_vs_direct: round2(rps('chp') / rps('direct')),
    nginx_vs_direct: round2(rps('nginx') / rps('direct')),
  };
  console.log(
    `  hpchub/CHP ${ratios.ratio_vs_chp}, hpchub/nginx ${ratios.ratio_vs_nginx} (1 worker: ${ratios.ratio_vs_nginx_1worker})`,
  );

  console.log(
    `\n2. Latency at a fixed ${PLAN.rate} requests/s for ${PLAN.rateSeconds} s (open loop, after 2 s warm-up)`,
  );
  const rate: Record<string, Awaited<ReturnType<typeof fixedRate>>> = {};
  let hubLoopDelay: { p99_ms: number; max_ms: number } | undefined;
  for (const [name, t] of Object.entries(targets)) {
    if (name === 'hpchub') await hub.stats();
    rate[name] = await fixedRate(t.url, t.headers.cookie);
    if (name === 'hpchub') hubLoopDelay = (await hub.stats()).loop_delay;
    const l = rate[name].latency_ms;
    console.log(
      `  ${name.padEnd(14)} p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, p99.9 ${l.p999} ms, max ${l.max} ms` +
        ` (sent ${rate[name].achieved_rate}/s, errors ${rate[name].errors}, non-2xx ${rate[name].non2xx})`,
    );
  }
  const p99 = (name: string) => rate[name]?.latency_ms.p99 ?? Number.NaN;
  const added = (name: string) => round2(p99(name) - p99('direct'));
  console.log(
    `  p99 added over direct: hpchub ${added('hpchub')} ms, CHP ${added('chp')} ms, nginx ${added('nginx')} ms`,
  );

  console.log(
    `\n3. ${PLAN.websockets} WebSockets through hpchub, ${PLAN.wsRounds} rounds (hub memory after a full GC)`,
  );
  const websockets = await websocketRounds(hub, cookie, PLAN.websockets, PLAN.wsRounds);
  console.log(
    `  before: rss ${websockets.before.rss_mb} MB, heap ${websockets.before.heap_mb} MB, fds ${websockets.before.fds};` +
      ` after: rss ${websockets.after.rss_mb} MB, heap ${websockets.after.heap_mb} MB, fds ${websockets.after.fds}`,
  );

  console.log(`\n4. ${PLAN.refusing} requests to an upstream that refuses connections`);
  const refusing = await refusingRequests(hub, cookie, PLAN.refusing);
  for (const r of refusing.readings)
    console.log(`  after ${r.requests}: rss ${r.rss_mb} MB, heap ${r.heap_mb} MB, fds ${r.fds}`);
  console.log(`  answers: ${JSON.stringify(refusing.statuses)}`);

  const headline = {
    ratio_vs_chp: ratios.ratio_vs_chp,
    ratio_vs_nginx: ratios.ratio_vs_nginx,
    p99_added_ms: added('hpchub'),
    ratio_vs_nginx_1worker: ratios.ratio_vs_nginx_1worker,
    hpchub_rps: rps('hpchub'),
    websocket_rss_growth_after_first_round_mb: websockets.rss_growth_after_first_round_mb,
    websocket_rss_growth_mb: websockets.rss_growth_mb,
    websocket_heap_growth_mb: websockets.heap_growth_mb,
    refusing_fd_growth: refusing.fd_growth,
    refusing_heap_growth_mb: refusing.heap_growth_mb,
  };
  const report = {
    benchmark: 'proxy',
    generated: new Date().toISOString(),
    quick,
    plan: PLAN,
    machine: { ...(await versions()), loadavg_before: loadBefore, loadavg_after: loadavg() },
    method: {
      throughput:
        'wrk -t1, closed loop, 1 KiB GET on loopback; median of rounds taken in turn; hpchub with a logged-in session cookie',
      fixed_rate:
        'bench/proxy/rate.ts: open-loop constant rate (a request is sent on schedule whatever the earlier ones did); ' +
        'latency_ms from each request being sent, scheduled_ms from it being due; p99_added_ms = p99(hpchub) - p99(direct) of latency_ms',
      peers:
        'configurable-http-proxy with --default-target; nginx with upstream keepalive, worker_processes auto and 1',
    },
    headline,
    throughput,
    ratios,
    fixed_rate: rate,
    hub_event_loop_delay_at_fixed_rate: hubLoopDelay,
    p99_added_ms: {
      hpchub: added('hpchub'),
      chp: added('chp'),
      nginx: added('nginx'),
      nginx_1worker: added('nginx_1worker'),
    },
    websockets,
    refusing,
  };
  if (!quick) {
    mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
    writeFileSync(join(ROOT, 'bench/results/proxy.json'), `${JSON.stringify(report, null, 2)}\n`);
    console.log('\nwrote bench/results/proxy.json');
  }
  console.log(JSON.stringify(headline));
}

try {
  await main();
} finally {
  await stopAll();
}
