// `npm run bench:proxy`: hpchub's proxy side by side with configurable-http-proxy 5 and nginx, in
// one run on this machine, all forwarding a 1 KiB GET to the same trivial upstream on loopback.
//   1. throughput (wrk, closed loop): direct, hpchub with a real logged-in session cookie, CHP,
//      nginx (one worker per core, and one worker); median of rounds, taken in turn. Also the
//      full path a user's request takes: the same kind of 1 KiB app started by the real agent
//      (REST API → local spawner → agent → ready → route, full-path-app.ts), reached through
//      hpchub's proxy → TLS with the pinned certificate → agent → app, against CHP straight to
//      that app over plain HTTP (as JupyterHub reaches a single-user server), and that app direct;
//   2. latency at a fixed 1,000 requests/s (rate.ts, open loop): p99 added over direct (over the
//      app direct for the full path);
//   3. 2,000 WebSockets held and echoed through hpchub, ten rounds, hub memory between rounds
//      (the full-path server is stopped first: sections 3 and 4 measure the hub alone);
//   4. 100,000 requests to an upstream that refuses connections: hub file descriptors and memory.
// Prints a report, writes bench/results/proxy.json, and ends with one JSON line of the headline
// numbers (`--out FILE` writes the report there instead; `npm run bench:scale` runs this benchmark
// as one of its parts that way). `--quick` runs a shorter version (a smoke test of the benchmark
// itself), which writes a report only with `--out`. Section 2 also
// reads the hub's event loop delay and garbage collection pauses, while it proxies and while it
// idles (the machine's own scheduling); the results keep the CPU per request per hop of the run
// they replace. BENCH_PROXY_HUB_NODE_FLAGS passes flags to the hub's Node.js (processes.ts), e.g.
// `--cpu-prof --cpu-prof-dir=DIR` for a CPU profile of the hub under the benchmark's load.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Browser } from '../../packages/hub/src/test-support/hub.js';
import { type Component, cpuPerRequest, cpuSnapshot, machineSnapshot, othersCpuPercent } from './cpu.js';
import { FULL_PATH_SERVER, readReport, writeFullPathApp } from './full-path-app.js';
import { startChp, startNginx } from './peers.js';
import {
  BENCH_PASSWORD,
  BENCH_USER,
  CHP_BIN,
  checkTools,
  type HubStats,
  NGINX_BIN,
  ROOT,
  startHub,
  startUpstream,
  stopAll,
  tempDir,
  trackGroup,
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
/** The targets of the full-path scenario, compared with the app direct rather than the upstream. */
const FULL_PATH_TARGETS = { app_direct: true, hpchub_full_path: true, chp_full_path: true };
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

/** CPU per request over all rounds (each round weighted by its requests). */
function cpuOverRounds(
  results: Array<WrkResult & { cpu_us_per_request?: Record<string, number> }>,
): Record<string, number> | undefined {
  const first = results[0]?.cpu_us_per_request;
  if (!first) return undefined;
  const requests = results.reduce((n, r) => n + r.requests, 0);
  return Object.fromEntries(
    Object.keys(first).map((k) => [
      k,
      Math.round(
        results.reduce((sum, r) => sum + (r.cpu_us_per_request?.[k] ?? 0) * r.requests, 0) / requests,
      ),
    ]),
  );
}

function median<T extends WrkResult>(results: T[]): T {
  const sorted = [...results].sort((a, b) => a.requests_per_second - b.requests_per_second);
  return sorted[Math.floor(sorted.length / 2)] as T;
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

const RESULTS = join(ROOT, 'bench/results/proxy.json');
const outAt = process.argv.indexOf('--out');
/** Where the report is written (and the run it replaces read), if anywhere. */
const OUT = outAt > 0 ? resolve(process.argv[outAt + 1] as string) : quick ? undefined : RESULTS;

/** CPU per request per hop of the run this one replaces (before/after a change, side by side). */
function previousRunCpu(file: string): Record<string, unknown> | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const old = JSON.parse(readFileSync(file, 'utf8')) as {
      generated?: string;
      machine?: { loadavg_by_section?: { throughput?: number[] } };
      throughput?: Record<string, { cpu_us_per_request?: Record<string, number> }>;
    };
    const cpu = (name: string) => old.throughput?.[name]?.cpu_us_per_request;
    return {
      generated: old.generated,
      loadavg_throughput: old.machine?.loadavg_by_section?.throughput,
      hpchub: cpu('hpchub'),
      hpchub_full_path: cpu('hpchub_full_path'),
      chp_full_path: cpu('chp_full_path'),
    };
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  if (!checkTools()) process.exit(1);
  const previousCpu = previousRunCpu(OUT ?? RESULTS);
  const loadBefore = loadavg();
  /** The load average as each section starts (other work on the machine skews a section's numbers). */
  const loadBySection: Record<string, number[]> = {};
  if ((loadBefore[0] ?? 0) > cpus().length / 2)
    console.log(
      `note: load average ${loadBefore[0]} on ${cpus().length} CPUs: other work is running, expect noisy numbers`,
    );
  console.log(`hpchub proxy benchmark${quick ? ' (quick)' : ''}: ${JSON.stringify(PLAN)}`);
  const upstream = await startUpstream();
  const fullPathFiles = writeFullPathApp(tempDir('hpchub-bench-app-'));
  const hub = await startHub(upstream, fullPathFiles.appsFile);
  const browser = new Browser(hub.url);
  const login = await browser.submitLogin(BENCH_USER, BENCH_PASSWORD);
  if (login.status !== 303) throw new Error(`login failed with ${login.status}`);
  const cookie = browser.cookieHeader();
  const chp = await startChp(upstream.port);
  const nginx = await startNginx(upstream.port, 'auto');
  const nginx1 = await startNginx(upstream.port, 1);
  const startedAt = performance.now();
  const full = await hub.startFullPath();
  const fullStartSeconds = round2((performance.now() - startedAt) / 1000);
  const app = readReport(fullPathFiles.reportFile);
  trackGroup(app.pid); // the agent starts the app in a process group of its own
  const chpFull = await startChp(app.port);
  const agent: Component = { pgid: full.jobPgid }; // the job: job script, agent
  console.log(
    `full path: server ${FULL_PATH_SERVER} ready in ${fullStartSeconds} s, route ${full.route}` +
      ` (certificate pinned: ${full.pinned}, secret: ${full.secret}), app on 127.0.0.1:${app.port}`,
  );

  const path = `/user/${BENCH_USER}/`;
  const targets: Record<string, { url: string; headers: Record<string, string> }> = {
    direct: { url: `http://127.0.0.1:${upstream.port}${path}`, headers: {} },
    hpchub: { url: `${hub.url}${path}`, headers: { cookie } },
    chp: { url: `${chp.url}${path}`, headers: {} },
    nginx: { url: `${nginx}${path}`, headers: {} },
    nginx_1worker: { url: `${nginx1}${path}`, headers: {} },
    // The full path; every target asks for the same path, the prefix the app is served under.
    app_direct: { url: `http://127.0.0.1:${app.port}${full.path}`, headers: {} },
    hpchub_full_path: { url: `${hub.url}${full.path}`, headers: { cookie } },
    chp_full_path: { url: `${chpFull.url}${full.path}`, headers: {} },
  };
  // Whose CPU time is counted while each target runs (wrk's own is not); nginx is left out.
  const upstreamCpu: Component = { pids: [upstream.pid] };
  const appCpu: Component = { pgid: app.pid };
  const cpuOf: Record<string, Record<string, Component>> = {
    direct: { upstream: upstreamCpu },
    hpchub: { hub: { pids: [hub.pid] }, upstream: upstreamCpu },
    chp: { chp: { pids: [chp.pid] }, upstream: upstreamCpu },
    app_direct: { app: appCpu },
    hpchub_full_path: { hub: { pids: [hub.pid] }, agent, app: appCpu },
    chp_full_path: { chp: { pids: [chpFull.pid] }, app: appCpu },
  };
  /** What each target's ratio in the report is taken against. */
  const baseline = (name: string) => (name in FULL_PATH_TARGETS ? 'app_direct' : 'direct');
  for (const t of Object.values(targets)) await check(t.url, t.headers);

  console.log(
    `\n1. Throughput, 1 KiB GET: wrk -t1 -c${PLAN.connections}, ${PLAN.seconds} s, median of ${PLAN.rounds}`,
  );
  type Sample = WrkResult & { cpu_us_per_request?: Record<string, number>; others_cpu_pct?: number };
  loadBySection.throughput = loadavg();
  const samples: Record<string, Sample[]> = {};
  for (const [name, t] of Object.entries(targets)) {
    await wrk(t.url, { seconds: 2, connections: PLAN.connections, threads: 1, headers: t.headers }); // warm-up
    samples[name] = [];
  }
  for (let r = 0; r < PLAN.rounds; r++) {
    for (const [name, t] of Object.entries(targets)) {
      const components = cpuOf[name];
      const cpuBefore = components && cpuSnapshot(components);
      const machineBefore = machineSnapshot();
      const result: Sample = await wrk(t.url, {
        seconds: PLAN.seconds,
        connections: PLAN.connections,
        threads: 1,
        headers: t.headers,
      });
      result.others_cpu_pct = othersCpuPercent(machineBefore);
      if (components && cpuBefore)
        result.cpu_us_per_request = cpuPerRequest(cpuBefore, components, result.requests);
      if (result.non2xx > 0 || result.socket_errors > 0)
        console.log(
          `  warning: ${name}: ${result.non2xx} non-2xx answers, ${result.socket_errors} socket errors`,
        );
      samples[name]?.push(result);
    }
  }
  const throughput = Object.fromEntries(
    Object.entries(samples).map(([name, s]) => {
      const { cpu_us_per_request: _, others_cpu_pct: __, ...m } = median(s);
      const cpu = cpuOverRounds(s);
      return [
        name,
        {
          ...m,
          rounds: s.map((x) => x.requests_per_second),
          rounds_others_cpu_pct: s.map((x) => x.others_cpu_pct ?? 0),
          ...(cpu && { cpu_us_per_request: cpu }),
        },
      ];
    }),
  );
  const rps = (name: string) => (throughput[name] as WrkResult).requests_per_second;
  for (const [name, t] of Object.entries(throughput)) {
    const l = t.latency_ms;
    const base = baseline(name);
    console.log(
      `  ${name.padEnd(16)} ${String(t.requests_per_second).padStart(7)} req/s  (${round2(t.requests_per_second / rps(base))}x ${base})` +
        `  latency p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, max ${l.max} ms` +
        `  [rounds ${t.rounds.join(', ')}; others' CPU ${t.rounds_others_cpu_pct.join(', ')}%]`,
    );
  }
  console.log('  CPU per request (µs, all rounds; wrk not counted):');
  for (const [name, t] of Object.entries(throughput))
    if (t.cpu_us_per_request)
      console.log(
        `    ${name.padEnd(16)} ${Object.entries(t.cpu_us_per_request)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`,
      );
  const ratios = {
    ratio_vs_chp: round2(rps('hpchub') / rps('chp')),
    ratio_vs_nginx: round2(rps('hpchub') / rps('nginx')),
    ratio_vs_nginx_1worker: round2(rps('hpchub') / rps('nginx_1worker')),
    hpchub_vs_direct: round2(rps('hpchub') / rps('direct')),
    chp_vs_direct: round2(rps('chp') / rps('direct')),
    nginx_vs_direct: round2(rps('nginx') / rps('direct')),
    ratio_full_path_vs_chp: round2(rps('hpchub_full_path') / rps('chp_full_path')),
    full_path_vs_app_direct: round2(rps('hpchub_full_path') / rps('app_direct')),
    chp_full_path_vs_app_direct: round2(rps('chp_full_path') / rps('app_direct')),
    full_path_vs_hpchub_loopback: round2(rps('hpchub_full_path') / rps('hpchub')),
  };
  console.log(
    `  hpchub/CHP ${ratios.ratio_vs_chp}, hpchub/nginx ${ratios.ratio_vs_nginx} (1 worker: ${ratios.ratio_vs_nginx_1worker})`,
  );
  console.log(
    `  full path: hpchub (proxy → TLS → agent → app)/CHP (→ app) ${ratios.ratio_full_path_vs_chp};` +
      ` full path/hpchub to loopback ${ratios.full_path_vs_hpchub_loopback}`,
  );

  console.log(
    `\n2. Latency at a fixed ${PLAN.rate} requests/s for ${PLAN.rateSeconds} s (open loop, after 2 s warm-up)`,
  );
  loadBySection.fixed_rate = loadavg();
  const rate: Record<string, Awaited<ReturnType<typeof fixedRate>>> = {};
  /** The hub's event loop while it proxies (hpchub), and while it idles as another target runs (direct). */
  const hubLoop: Record<string, HubStats['loop_delay']> = {};
  for (const [name, t] of Object.entries(targets)) {
    const watched = name === 'hpchub' || name === 'direct';
    if (watched) await hub.loopDelay();
    rate[name] = await fixedRate(t.url, t.headers.cookie);
    if (watched) hubLoop[name] = await hub.loopDelay();
    const l = rate[name].latency_ms;
    console.log(
      `  ${name.padEnd(16)} p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, p99.9 ${l.p999} ms, max ${l.max} ms` +
        ` (sent ${rate[name].achieved_rate}/s, errors ${rate[name].errors}, non-2xx ${rate[name].non2xx})`,
    );
  }
  const p99 = (name: string) => rate[name]?.latency_ms.p99 ?? Number.NaN;
  const added = (name: string) => round2(p99(name) - p99(baseline(name)));
  console.log(
    `  p99 added over direct: hpchub ${added('hpchub')} ms, CHP ${added('chp')} ms, nginx ${added('nginx')} ms`,
  );
  console.log(
    `  p99 added over the app direct: hpchub full path ${added('hpchub_full_path')} ms, CHP ${added('chp_full_path')} ms`,
  );
  const loopLine = (l: HubStats['loop_delay'] | undefined) =>
    l
      ? `p99 ${round2(l.p99_ms)} ms, max ${round2(l.max_ms)} ms; GC ${l.gc.count} pauses ${JSON.stringify(l.gc.by_kind)}, ${round2(l.gc.total_ms)} ms in all, longest ${round2(l.gc.max_ms)} ms`
      : 'not read';
  console.log(`  hub event loop (1 ms timer, 1 ms = no delay) proxying: ${loopLine(hubLoop.hpchub)}`);
  console.log(`  hub event loop idle (during direct): ${loopLine(hubLoop.direct)}`);

  console.log(
    `\n3. ${PLAN.websockets} WebSockets through hpchub, ${PLAN.wsRounds} rounds (hub memory after a full GC)`,
  );
  // Sections 3 and 4 measure the hub alone, as before the full path existed: its server is
  // stopped, so the hub's idle connections to the agent do not count in its file descriptors.
  await hub.stopFullPath();
  loadBySection.websockets = loadavg();
  const websockets = await websocketRounds(hub, cookie, PLAN.websockets, PLAN.wsRounds);
  console.log(
    `  before: rss ${websockets.before.rss_mb} MB, heap ${websockets.before.heap_mb} MB, fds ${websockets.before.fds};` +
      ` after: rss ${websockets.after.rss_mb} MB, heap ${websockets.after.heap_mb} MB, fds ${websockets.after.fds}`,
  );

  console.log(`\n4. ${PLAN.refusing} requests to an upstream that refuses connections`);
  loadBySection.refusing = loadavg();
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
    ratio_full_path_vs_chp: ratios.ratio_full_path_vs_chp,
    full_path_rps: rps('hpchub_full_path'),
    full_path_p99_added_ms: added('hpchub_full_path'),
  };
  const report = {
    benchmark: 'proxy',
    generated: new Date().toISOString(),
    quick,
    plan: PLAN,
    machine: {
      ...(await versions()),
      loadavg_before: loadBefore,
      loadavg_by_section: loadBySection,
      loadavg_after: loadavg(),
    },
    method: {
      throughput:
        'wrk -t1, closed loop, 1 KiB GET on loopback; median of rounds taken in turn; hpchub with a logged-in session cookie',
      fixed_rate:
        'bench/proxy/rate.ts: open-loop constant rate (a request is sent on schedule whatever the earlier ones did); ' +
        'latency_ms from each request being sent, scheduled_ms from it being due; p99_added_ms = p99(hpchub) - p99(direct) of latency_ms',
      peers:
        'configurable-http-proxy with --default-target; nginx with upstream keepalive, worker_processes auto and 1',
      full_path:
        'the 1 KiB app of full-path-app.ts started by the real agent: catalog app (apps.file, listen tcp, prefix kept, ' +
        'no app auth) started through POST /hub/api/users/bench/servers/full on the local spawner (job as spawner.local_user), ' +
        'progress stream read until ready; hpchub_full_path = hub proxy with the session cookie -> TLS to the agent with the ' +
        'pinned certificate and the secret header -> agent -> app over loopback TCP; chp_full_path = configurable-http-proxy ' +
        '--default-target straight to the app (plain HTTP); app_direct = the app itself. Same wrk and fixed-rate settings, ' +
        'taken in turn with the other targets; p99 added over app_direct',
      cpu:
        'cpu_us_per_request: utime+stime from /proc of the processes of a target (hub, agent = the job process group, ' +
        'app, upstream, CHP; not wrk, not nginx) during its wrk rounds, divided by the requests of those rounds; ' +
        'rounds_others_cpu_pct: busy CPU of the machine (/proc/stat, percent of all cores) not used by the benchmark ' +
        'and its descendants during each round: other work running at the same time (and interrupt time not charged to a process)',
      loadavg: "loadavg_by_section is read as each section starts and includes the benchmark's own processes",
      event_loop:
        "hub_event_loop_delay_*: the hub's monitorEventLoopDelay at a 1 ms resolution during the fixed-rate run of hpchub " +
        "(at_fixed_rate) and of direct (idle: the hub serves nothing, so its delay is the machine's scheduling); a value " +
        'is the time between two ticks of the 1 ms timer, so 1 ms means no delay; gc: garbage collection pauses meanwhile ' +
        '(PerformanceObserver); read without forcing a collection (the memory readings of sections 3 and 4 force one, ' +
        "which after an idle stretch shrinks V8's young generation to its minimum: 10 s at this rate right after one " +
        'counted 37 scavenges where the same hub without it counted 10; the last run with it, 163 in 15 s)',
      previous_run:
        'previous_run_cpu_us_per_request: the CPU per request per hop of the bench/results/proxy.json this run replaced, ' +
        'for a before/after comparison of a change',
    },
    headline,
    throughput,
    ratios,
    fixed_rate: rate,
    hub_event_loop_delay_at_fixed_rate: hubLoop.hpchub,
    hub_event_loop_delay_idle: hubLoop.direct,
    previous_run_cpu_us_per_request: previousCpu,
    p99_added_ms: {
      hpchub: added('hpchub'),
      chp: added('chp'),
      nginx: added('nginx'),
      nginx_1worker: added('nginx_1worker'),
      hpchub_full_path: added('hpchub_full_path'),
      chp_full_path: added('chp_full_path'),
    },
    websockets,
    refusing,
    full_path: {
      server: full.path,
      route: full.route,
      certificate_pinned: full.pinned,
      secret_header: full.secret,
      start_seconds: fullStartSeconds,
      requests_per_second: {
        hpchub_full_path: rps('hpchub_full_path'),
        chp_full_path: rps('chp_full_path'),
        app_direct: rps('app_direct'),
      },
      ratio_full_path_vs_chp: ratios.ratio_full_path_vs_chp,
      full_path_vs_app_direct: ratios.full_path_vs_app_direct,
      chp_full_path_vs_app_direct: ratios.chp_full_path_vs_app_direct,
      full_path_vs_hpchub_loopback: ratios.full_path_vs_hpchub_loopback,
      p99_added_ms: { hpchub_full_path: added('hpchub_full_path'), chp_full_path: added('chp_full_path') },
      cpu_us_per_request: {
        hpchub_full_path: throughput.hpchub_full_path?.cpu_us_per_request,
        chp_full_path: throughput.chp_full_path?.cpu_us_per_request,
        app_direct: throughput.app_direct?.cpu_us_per_request,
      },
    },
  };
  if (OUT) {
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`\nwrote ${OUT}`);
  }
  console.log(JSON.stringify(headline));
}

// Interrupted (Ctrl-C, a CI timeout): stop what was started before going.
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the benchmark's processes`);
    void stopAll().finally(() => process.exit(130));
  });

try {
  await main();
} finally {
  await stopAll();
}
