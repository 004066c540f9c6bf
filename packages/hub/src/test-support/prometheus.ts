// A real Prometheus (Debian's package, installed by scripts/provision/all.sh) started for a test
// on a free loopback port with a generated configuration that scrapes the hub's /hub/metrics
// every second: once with a token (read from a file, never on a command line) and once without.
// Queried through its HTTP API; stopped and its data removed by close().
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './sim-cluster.js';

export const PROMETHEUS = '/usr/bin/prometheus';

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

export class TestPrometheus {
  private constructor(
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly url: string,
    readonly output: string[],
  ) {}

  /** Scrapes `target` (host:port) as job `hpchub` with `token` and as job `anonymous` without. */
  static async start(target: string, token: string): Promise<TestPrometheus> {
    if (!existsSync(PROMETHEUS))
      throw new Error(
        `Prometheus is not installed at ${PROMETHEUS} — run: sudo bash scripts/provision/all.sh`,
      );
    const dir = await mkdtemp(join(tmpdir(), 'hpchub-prometheus-'));
    await writeFile(join(dir, 'token'), token, { mode: 0o600 });
    const job = (name: string, auth: string) => `  - job_name: ${name}
    metrics_path: /hub/metrics
    scrape_interval: 1s
${auth}    static_configs:
      - targets: ['${target}']
`;
    await writeFile(
      join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\nscrape_configs:\n${job('hpchub', `    authorization:\n      type: Bearer\n      credentials_file: ${join(dir, 'token')}\n`)}${job('anonymous', '')}`,
    );
    const port = await freePort();
    const child = spawn(
      PROMETHEUS,
      [
        `--config.file=${join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const output: string[] = [];
    child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
    const prom = new TestPrometheus(child, dir, `http://127.0.0.1:${port}`, output);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      const ready = await fetch(`${prom.url}/-/ready`).catch(() => undefined);
      if (ready?.ok) return prom;
      await sleep(200);
    }
    await prom.close();
    throw new Error(`Prometheus did not get ready:\n${output.join('')}`);
  }

  /** An instant PromQL query's result vector. */
  async query(promql: string): Promise<PromSample[]> {
    const res = await fetch(`${this.url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
    const body = (await res.json()) as { status: string; data?: { result: PromSample[] }; error?: string };
    if (body.status !== 'success') throw new Error(`${promql}: ${body.error}`);
    return body.data?.result ?? [];
  }

  /** Queries until `accept` takes the result (scrapes come every second), or fails after `ms`. */
  async until(promql: string, accept: (r: PromSample[]) => boolean, ms = 30_000): Promise<PromSample[]> {
    const deadline = Date.now() + ms;
    let last: PromSample[] = [];
    while (Date.now() < deadline) {
      last = await this.query(promql);
      if (accept(last)) return last;
      await sleep(500);
    }
    throw new Error(`${promql}: still ${JSON.stringify(last)} after ${ms} ms`);
  }

  async close(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (this.child.exitCode === null) this.child.kill('SIGKILL');
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
