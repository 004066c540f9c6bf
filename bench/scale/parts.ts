// The parts of `npm run bench:scale` that are benchmarks of their own: bench:proxy (the proxy's
// tail latency, the full path, CPU per request per hop) and bench:spawn (the hub's share of a
// start). Each runs as `npm run bench:NAME` would, in a process of its own, writing its report
// where it is told (`--out`); bench:scale reads that report back (figures.ts picks its figures).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = new URL('../../', import.meta.url).pathname;

export type PartName = 'proxy' | 'spawn';

/**
 * Runs bench/NAME/run.ts with `args`, its report written to `out` (replaced), its output on this
 * process's stderr (stdout stays bench:scale's one JSON line); resolves with the report, or
 * rejects saying how the benchmark ended.
 */
export async function runPart(
  name: PartName,
  out: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<unknown> {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(ROOT, `bench/${name}/run.ts`), ...args, '--out', out],
    { cwd: ROOT, stdio: ['ignore', 2, 2], env: { ...process.env, ...env } },
  );
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  if (code !== 0) throw new Error(`bench:${name} ended with ${code === null ? signal : `exit code ${code}`}`);
  // A report left from an earlier run (bench:proxy reads it for its before/after figures) must
  // never pass for this run's.
  if (!existsSync(out) || statSync(out).mtimeMs < started)
    throw new Error(`bench:${name} ended without writing ${out}`);
  return JSON.parse(readFileSync(out, 'utf8'));
}
