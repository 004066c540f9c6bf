// The README's table of issue 18's goals (bench:scale), rendered from bench/results/scale.json so
// the figures the README shows are always the committed results' own: one row per goal, per
// engine where the engine applies, with the key of the goal in scale.json, the figure and whether
// it was met. bench:scale and bench:faults write it into README.md between the markers below
// when they end (`npm run bench:readme` alone); a test checks the README holds what this renders
// from the committed results.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { failed, type Goals, type PartError, type ProxyFigures, type SpawnFigures } from './figures.js';

export const TABLE_START =
  '<!-- The goals table: generated from bench/results/scale.json by `npm run bench:readme`. -->';
export const TABLE_END = '<!-- End of the generated goals table. -->';

type Loop = { p99_ms: number; max_ms: number } | null | undefined;
type Route = { p50_ms: number; p99_ms: number };

/** The fields of a bench:scale engine result (run.ts) the table shows. */
interface EngineResult {
  engine: string;
  users: number;
  scheduler: { at: { running_jobs: number; queries_per_interval: number; jobs_per_query: number[] }[] };
  proxy_cpu: {
    one_server: { net_cpu_us_per_request: number };
    many_routes: { routes: number; net_cpu_us_per_request: number };
    ratio_many_vs_one: number;
  };
  api_at_size: { running: number; rate: number; routes: Record<string, Route>; worst_p99_ms: number };
  memory_at_size: { idle: { peak_rss_mb: number }; after_traffic: { peak_rss_mb: number } };
  surge: {
    requests: number;
    within_s: number;
    accepted: number;
    refused_429: number;
    refused_with_retry_after: number;
    other_answers: unknown[];
    longest_line: number;
    not_ready: number;
    last_ready_s: number;
    event_loop_delay?: Loop;
  };
  restart: {
    running: number;
    queued: number;
    listening_again_s: number;
    every_route_serves_s: number;
    routes_not_serving: number;
    queued_not_ready_after: number;
    submitted_again: number;
  };
  faults: { rounds: number; rounds_with_problems: number };
  loadavg_end: number[];
}

interface FaultsReal {
  kill: {
    rounds: number;
    rounds_with_problems: number;
    by_point: Record<string, { orphans_left: number; stuck: number }>;
  };
  controller_restart: { spawns: number; outcomes: Record<string, number>; controller_down_s: number };
  agent_cut_off: { cut_s: number; proxied: number; served: number; reconnected_after_s: number | null };
  postgres_restart: {
    during_outage: Record<string, number>;
    unclean: unknown[];
    outage_s: number;
    recovered_after_s: number | null;
  };
}

/** The fields of bench/results/scale.json the table shows; a part may be absent or have failed. */
export interface ScaleReport {
  date: string;
  results: (EngineResult | ({ engine: string } & PartError))[];
  faults_real?: FaultsReal | PartError;
  proxy?: ProxyFigures | PartError;
  spawn?: SpawnFigures | PartError;
  goals: Record<string, Goals | PartError>;
}

interface Row {
  goal: string;
  engine: string;
  /** Where the figure is: a goal of the summary (`goals.PART.NAME`) or, for a figure with no goal, its section. */
  key: string;
  figure: string;
}

const ENGINE_NAMES: Record<string, string> = { sqlite: 'SQLite', postgres: 'PostgreSQL' };
const n = (x: number) => x.toLocaleString('en-US');
const ms = (x: number) => `${n(Math.round(x * 100) / 100)} ms`;
const list = (t: Record<string, number>) =>
  Object.entries(t)
    .map(([k, v]) => `${v} ${k}`)
    .join(', ');

function engineRows(r: EngineResult): Row[] {
  const engine = ENGINE_NAMES[r.engine] ?? r.engine;
  const row = (goal: string, name: string, figure: string): Row => ({
    goal,
    engine,
    key: `goals.${r.engine}.${name}`,
    figure,
  });
  const routes = Object.entries(r.api_at_size.routes);
  const worst = routes.find(([, route]) => route.p99_ms === r.api_at_size.worst_p99_ms)?.[0] ?? '?';
  const p50s = routes.map(([, route]) => route.p50_ms);
  const s = r.surge;
  const loop = (l: Loop) => (l ? `p99 ${ms(l.p99_ms)} (max ${ms(l.max_ms)})` : 'not read');
  const running = n(r.api_at_size.running);
  return [
    row(
      `API and pages p99 < 50 ms at ${r.api_at_size.rate} requests/s, ${n(r.users)} users, ${running} running`,
      'api_p99_under_50ms',
      `${ms(r.api_at_size.worst_p99_ms)} (worst: ${worst}; p50 ${n(Math.min(...p50s))}–${ms(Math.max(...p50s))})`,
    ),
    row(
      'Hub RSS < 300 MB at that size',
      'rss_under_300mb',
      `${r.memory_at_size.after_traffic.peak_rss_mb} MB at its peak`,
    ),
    row(
      `CPU per proxied request unchanged from 1 server to ${n(r.proxy_cpu.many_routes.routes)} routes (±5 %)`,
      'proxy_cpu_within_5_percent',
      `${r.proxy_cpu.one_server.net_cpu_us_per_request} → ${r.proxy_cpu.many_routes.net_cpu_us_per_request} µs (×${r.proxy_cpu.ratio_many_vs_one})`,
    ),
    row(
      `Restart after SIGKILL with ${n(r.restart.running)} running and ${n(r.restart.queued)} queued: every route serves in < 5 s`,
      'restart_under_5s',
      `${r.restart.every_route_serves_s} s (listening again after ${r.restart.listening_again_s} s)`,
    ),
    row(
      '… none lost, none started twice',
      'restart_none_lost_none_twice',
      `${r.restart.routes_not_serving} not serving, ${r.restart.queued_not_ready_after} queued not ready, ${r.restart.submitted_again} submitted again`,
    ),
    row(
      `Surge: ${n(s.requests)} starts within ${s.within_s} s, each accepted or 429 with Retry-After`,
      'surge_all_accepted_or_429',
      `${n(s.accepted)} accepted (longest line ${n(s.longest_line)}), ${s.refused_429} refused 429 (${s.refused_with_retry_after} with Retry-After), ${s.other_answers.length} other answers`,
    ),
    row(
      '… all accepted ready within 60 s',
      'surge_all_ready_within_60s',
      `${s.last_ready_s} s, ${s.not_ready} not ready`,
    ),
    row(
      '… event loop delay p99 < 100 ms meanwhile',
      'surge_event_loop_p99_under_100ms',
      loop(s.event_loop_delay),
    ),
    row(
      `One \`squeue\` per poll interval at ${r.scheduler.at.map((a) => n(a.running_jobs)).join(', ')} jobs`,
      'one_squeue_per_interval',
      `${r.scheduler.at.map((a) => a.queries_per_interval).join(', ')} (asking for ${r.scheduler.at.map((a) => a.jobs_per_query.map(n).join('+')).join(', ')} jobs)`,
    ),
    row(
      `Hub killed at random moments of starts and stops (${r.faults.rounds} rounds, simulated cluster): no orphan, none stuck`,
      'faults_no_orphan_none_stuck',
      `${r.faults.rounds_with_problems} rounds with a problem`,
    ),
  ];
}

function faultRows(f: FaultsReal): Row[] {
  const row = (goal: string, engine: string, name: string, figure: string): Row => ({
    goal,
    engine,
    key: `goals.faults_real.${name}`,
    figure,
  });
  const points = Object.values(f.kill.by_point);
  const sum = (k: 'orphans_left' | 'stuck') => points.reduce((t, p) => t + p[k], 0);
  const c = f.controller_restart;
  const cut = f.agent_cut_off;
  const pg = f.postgres_restart;
  return [
    row(
      `Hub killed at each point of a spawn, ${f.kill.rounds} rounds on real Slurm: no orphaned job, none stuck`,
      'SQLite',
      'kill_no_orphan_none_stuck',
      `${f.kill.rounds_with_problems} rounds with a problem; ${sum('orphans_left')} orphans left, ${sum('stuck')} stuck`,
    ),
    row(
      `\`slurmctld\` restarted during ${c.spawns} starts: each ends ready or with a clear failure`,
      'SQLite',
      'controller_restart_all_ready_or_clear_failure',
      `${list(c.outcomes)} (down ${c.controller_down_s} s)`,
    ),
    row(
      `PostgreSQL restarted under load: 503 not 500, recovers without a restart`,
      'PostgreSQL',
      'postgres_restart_503_not_500_recovers_without_restart',
      `during ${pg.outage_s} s: ${list(pg.during_outage)}; ${pg.unclean.length} unclean; recovered ${pg.recovered_after_s ?? '–'} s after`,
    ),
    row(
      `Agents cut off from the hub for ${cut.cut_s} s: the server keeps serving and reconnects`,
      'SQLite',
      'agent_cut_off_keeps_serving_and_reconnects',
      `${cut.served} of ${cut.proxied} proxied requests served; heartbeat back ${cut.reconnected_after_s ?? '–'} s after`,
    ),
  ];
}

function proxyRows(p: ProxyFigures): Row[] {
  const engine = 'either (run on SQLite)';
  const row = (goal: string, name: string, figure: string): Row => ({
    goal,
    engine,
    key: `goals.proxy.${name}`,
    figure,
  });
  const rps = (name: string) => n(p.requests_per_second[name] ?? 0);
  const hops = (cpu: unknown) =>
    cpu && typeof cpu === 'object'
      ? Object.entries(cpu as Record<string, number>)
          .map(([hop, us]) => `${hop} ${us}`)
          .join(', ')
      : 'not measured';
  const before = p.cpu_us_per_request_before;
  const loop = (l: ProxyFigures['hub_event_loop_delay_at_fixed_rate']) =>
    l
      ? `p99 ${ms(l.p99_ms)}, max ${ms(l.max_ms)}; GC ${l.gc.count} pauses, longest ${ms(l.gc.max_ms)}`
      : 'not read';
  return [
    row(
      'Proxy: p99 added at 1,000 requests/s < 1 ms',
      'p99_added_under_1ms',
      `${ms(p.p99_added_ms.hpchub)} (nginx ${ms(p.p99_added_ms.nginx ?? Number.NaN)}, CHP ${ms(p.p99_added_ms.chp ?? Number.NaN)}; full path over the app ${ms(p.p99_added_ms.hpchub_full_path ?? Number.NaN)})`,
    ),
    {
      goal: '… the hub’s event loop and garbage collection meanwhile (its stalls)',
      engine,
      key: 'proxy.hub_event_loop_delay_at_fixed_rate',
      figure: `${loop(p.hub_event_loop_delay_at_fixed_rate)} (idle: ${loop(p.hub_event_loop_delay_idle)})`,
    },
    row(
      'Full path (hub proxy → TLS → agent → app) ≥ 1× configurable-http-proxy straight to the app',
      'full_path_at_least_1x_chp',
      `×${p.ratios.ratio_full_path_vs_chp} (${rps('hpchub_full_path')} against ${rps('chp_full_path')} requests/s)`,
    ),
    row(
      'Proxy throughput ≥ 4× configurable-http-proxy',
      'ratio_vs_chp_at_least_4',
      `×${p.ratios.ratio_vs_chp} (${rps('hpchub')} against ${rps('chp')} requests/s)`,
    ),
    row(
      'Proxy throughput ≥ 0.5× nginx',
      'ratio_vs_nginx_at_least_0_5',
      `×${p.ratios.ratio_vs_nginx} (against ${rps('nginx')} requests/s)`,
    ),
    row(
      'CPU per request per hop (µs), before and after',
      'cpu_per_request_per_hop_before_and_after',
      `full path: ${hops(p.cpu_us_per_request.hpchub_full_path)}; before (${before?.generated?.slice(0, 10) ?? 'no earlier run'}): ${hops(before?.hpchub_full_path)}; CHP full path: ${hops(p.cpu_us_per_request.chp_full_path)}`,
    ),
  ];
}

function spawnRows(s: SpawnFigures): Row[] {
  const share = Object.entries(s.hub_share_p50_ms)
    .filter(([k]) => k !== 'total_ms')
    .map(([k, v]) => `${k.replace(/_ms$/, '').replaceAll('_', ' ')} ${v}`)
    .join(', ');
  const row = (goal: string, name: string, figure: string): Row => ({
    goal,
    engine: 'SQLite',
    key: `goals.spawn.${name}`,
    figure,
  });
  return [
    row(
      'Start: hpchub’s own share < 150 ms at p50',
      'hub_share_p50_under_150ms',
      `${s.hub_share_p50_ms.total_ms ?? '–'} ms = ${share} (${s.rounds} rounds)`,
    ),
    row(
      '… the whole start ≤ 0.5× JupyterHub with batchspawner',
      'ratio_vs_jupyterhub_at_most_0_5',
      `×${s.ratio_vs_jupyterhub} (${s.hpchub_s} s against ${s.jupyterhub_s} s)`,
    ),
  ];
}

/** One row saying a part is missing from the results or why it failed. */
function partRows<T>(name: string, section: T | PartError | undefined, rows: (t: T) => Row[]): Row[] {
  if (section && !failed(section)) return rows(section as T);
  const why = section ? `failed: ${(section as PartError).error}` : 'not in this run';
  return [{ goal: name, engine: '', key: '', figure: why }];
}

const cell = (text: string) => text.replaceAll('|', '\\|');

/** A Markdown table with its columns padded to the widest cell (as the README's others are). */
function markdownTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, 3, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** The table of every goal of issue 18 with its figure, from bench:scale's results. */
export function renderGoalsTable(report: ScaleReport): string {
  // Each goal's rows side by side, one per engine.
  const perEngine = report.results.flatMap((r) => (failed(r) ? [] : [engineRows(r)]));
  const rows = [
    ...report.results.flatMap((r) =>
      failed(r) ? partRows(`The hub at size on ${ENGINE_NAMES[r.engine] ?? r.engine}`, r, () => []) : [],
    ),
    ...(perEngine[0] ?? []).flatMap((_, i) =>
      perEngine.map((e, j) => ({ ...(e[i] as Row), ...(j > 0 && { goal: '… the same' }) })),
    ),
    ...partRows('Faults on the real components', report.faults_real, faultRows),
    ...partRows('The proxy (bench:proxy)', report.proxy, proxyRows),
    ...partRows('A start (bench:spawn)', report.spawn, spawnRows),
  ];
  const met = (r: Row) => {
    const [, part, name] = r.key.split('.');
    if (!r.key.startsWith('goals.') || !part || !name) return r.key ? 'figure only' : '**missed**';
    const goals = report.goals[part];
    const goal = goals && !failed(goals) ? (goals as Goals)[name] : undefined;
    if (goal === undefined) return 'not measured';
    return goal.met ? 'met' : '**missed**';
  };
  return markdownTable(
    ['Goal', 'Engine', 'Key in `bench/results/scale.json`', 'Figure', 'Met'],
    rows.map((r) => [r.goal, r.engine, r.key && `\`${r.key}\``, r.figure, met(r)].map(cell)),
  );
}

/** When the figures were taken, and the load average (1 minute) as each part's were. */
export function renderLoad(report: ScaleReport): string {
  const one = (l: number[] | undefined) => l?.[0] ?? '–';
  const range = (ls: (number[] | undefined)[]) => {
    const known = ls.map((l) => l?.[0]).filter((x): x is number => x !== undefined);
    return known.length ? `${Math.min(...known)}–${Math.max(...known)}` : '–';
  };
  const parts = report.results.flatMap((r) =>
    failed(r) ? [] : [`${ENGINE_NAMES[r.engine] ?? r.engine} ${one(r.loadavg_end)} at its end`],
  );
  const f = report.faults_real;
  if (f && !failed(f))
    parts.push(
      `the faults ${range([f.kill, f.controller_restart, f.agent_cut_off, f.postgres_restart].map((x) => (x as { loadavg?: number[] }).loadavg))}`,
    );
  const p = report.proxy;
  if (p && !failed(p))
    parts.push(
      `the proxy ${range(Object.values(p.loadavg_by_section))} by section${p.quick ? ' (quick run)' : ''}`,
    );
  const s = report.spawn;
  if (s && !failed(s)) parts.push(`a start ${one(s.loadavg)} at its end`);
  return `Figures from \`npm run bench:scale\` of ${report.date.slice(0, 10)}; load average ${parts.join(', ')}.`;
}

/** The table and its load averages, as the README shows them between the markers. */
export function renderGoalsSection(report: ScaleReport): string {
  return `${renderGoalsTable(report)}\n\n${renderLoad(report)}`;
}

/** `readme` with the text between the table's markers replaced by `table`. */
export function withGoalsTable(readme: string, table: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md has no "${TABLE_START}" … "${TABLE_END}"`);
  return `${readme.slice(0, start + TABLE_START.length)}\n\n${table}\n\n${readme.slice(end)}`;
}

const ROOT = new URL('../../', import.meta.url).pathname;

/** Writes README.md's goals table from bench/results/scale.json as it is now. */
export function writeReadmeTable(): void {
  const readme = join(ROOT, 'README.md');
  const report = JSON.parse(readFileSync(join(ROOT, 'bench/results/scale.json'), 'utf8')) as ScaleReport;
  writeFileSync(readme, withGoalsTable(readFileSync(readme, 'utf8'), renderGoalsSection(report)));
}
