// The isolated lane of scripts/run-tests.mjs refuses what only *.e2e.test.ts files may use: every
// Slurm command the hub runs has a stand-in there that fails with the reason, and the test system
// users are refused.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { testSystemUsers } from '../packages/hub/src/test-support/system-users.js';

const root = new URL('..', import.meta.url).pathname;
const BIN = join(root, 'scripts/isolated-lane-bin');

/** The commands the Slurm client runs, as its observer names them. */
function slurmCommands(): string[] {
  const source = readFileSync(join(root, 'packages/slurm/src/observer.ts'), 'utf8');
  const union = /export type SlurmCommand = ([^;]+);/.exec(source)?.[1];
  assert.ok(union, 'packages/slurm/src/observer.ts declares SlurmCommand');
  return [...union.matchAll(/'(\w+)'/g)].map((m) => m[1] as string);
}

test('every Slurm command the hub runs has a stand-in that fails, naming the way out', () => {
  const standIns = readdirSync(BIN);
  const commands = slurmCommands();
  assert.ok(commands.length >= 6, commands.join(' '));
  for (const command of commands) {
    assert.ok(standIns.includes(command), `scripts/isolated-lane-bin/${command} is missing`);
    const run = spawnSync(join(BIN, command), ['--version'], { encoding: 'utf8' });
    assert.notEqual(run.status, 0, command);
    assert.match(run.stderr, /\*\.e2e\.test\.ts/, command);
  }
});

test('the test system users are refused in the isolated lane', () => {
  const lane = process.env.HPCHUB_TEST_LANE;
  process.env.HPCHUB_TEST_LANE = 'isolated';
  try {
    assert.throws(() => testSystemUsers(), /name it \*\.e2e\.test\.ts/);
  } finally {
    if (lane === undefined) delete process.env.HPCHUB_TEST_LANE;
    else process.env.HPCHUB_TEST_LANE = lane;
  }
});
