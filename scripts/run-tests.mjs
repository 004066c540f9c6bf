#!/usr/bin/env node
// Runs the test files of every package with Node's own test runner (TypeScript loaded by tsx).
// Usage: node scripts/run-tests.mjs [substring ...]  — only files whose path contains a substring.
//
// Two lanes run at the same time. The machine has one Slurm cluster and one set of test system
// users (their PAM logins, homes, processes and jobs); files that use them interfere with each
// other (a restart test cancels every job of a user), so they are named *.e2e.test.ts and run one
// at a time in the shared lane. Every other file runs in the isolated lane, as many at a time as
// Node's runner chooses (one less than the cores), beside the shared lane. The isolated lane is
// checked: there Slurm's commands fail with the reason (scripts/isolated-lane-bin/) and
// testSystemUsers() throws, so a file that needs them without the name fails instead of
// interfering.
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);
const SHARED = /\.e2e\.test\.ts$/;

function walk(dir, out) {
  for (const entry of readdirSync(dir)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) walk(path, out);
    else if (entry.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const files = walk(join(root, 'packages'), [])
  .concat(walk(join(root, 'tests'), []))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .sort();
if (files.length === 0) {
  console.error(`no test files match ${filters.join(' ')}`);
  process.exit(1);
}

/** Runs one lane's files; resolves with its exit code and everything it printed. */
function runLane(lane) {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--test', '--test-reporter=spec', ...lane.args, ...lane.files],
    { cwd: root, env: { ...process.env, ...lane.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  lane.child = child;
  let output = '';
  let partial = '';
  const take = (chunk) => {
    const text = String(chunk);
    output += text;
    if (!lane.live) return;
    // Whole lines only, so that the other lane's report never lands inside one.
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
  };
  child.stdout.on('data', take);
  child.stderr.on('data', take);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      if (lane.live && partial) process.stdout.write(`${partial}\n`);
      resolve({ code: code ?? (signal ? 1 : 0), output, seconds: (Date.now() - started) / 1000 });
    });
  });
}

/** The counts of a lane's closing summary (ℹ tests 12 …), by name. */
function summary(output) {
  const counts = {};
  for (const m of output.matchAll(/^ℹ (\w+) ([\d.]+)$/gm)) counts[m[1]] = Number(m[2]);
  return counts;
}

const shared = {
  name: 'shared',
  files: files.filter((f) => SHARED.test(f)),
  args: ['--test-concurrency=1'],
  env: {},
  live: true,
};
const isolated = {
  name: 'isolated',
  files: files.filter((f) => !SHARED.test(f)),
  args: [],
  env: {
    HPCHUB_TEST_LANE: 'isolated',
    PATH: `${join(root, 'scripts/isolated-lane-bin')}:${process.env.PATH ?? ''}`,
  },
  live: false,
};
const lanes = [shared, isolated].filter((l) => l.files.length > 0);
// With one lane there is nothing to interleave: it reports as it goes.
if (lanes.length === 1) lanes[0].live = true;

for (const signal of ['SIGINT', 'SIGTERM'])
  process.on(signal, () => {
    for (const lane of lanes) lane.child?.kill(signal);
  });

const started = Date.now();
const results = await Promise.all(
  lanes.map((lane) =>
    runLane(lane).then((result) => {
      if (!lane.live)
        console.log(
          `ℹ the ${lane.name} lane is done after ${result.seconds.toFixed(0)} s (exit code ${result.code}); its report follows the ${lanes[0].name} lane's`,
        );
      return { lane, ...result };
    }),
  ),
);
// The other lane's report, whole, after the live one.
for (const r of results) if (!r.lane.live) process.stdout.write(r.output);

if (results.length > 1) {
  const totals = {};
  for (const r of results)
    for (const [name, value] of Object.entries(summary(r.output))) totals[name] = (totals[name] ?? 0) + value;
  for (const r of results)
    console.log(
      `ℹ ${r.lane.name} lane: ${r.lane.files.length} files in ${r.seconds.toFixed(0)} s, exit code ${r.code}`,
    );
  for (const [name, value] of Object.entries(totals))
    if (name !== 'duration_ms') console.log(`ℹ ${name} ${value}`);
  console.log(`ℹ duration_ms ${Date.now() - started}`);
}
process.exit(results.find((r) => r.code !== 0)?.code ?? 0);
