// The Slurm job script: #SBATCH lines from validated options only, the Euler custom-script
// semantics and `exec` of the agent from the shared body, shellcheck-clean, and a second lock
// against any value that is not a plain word or number.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sleepingRequest } from '../../test-support/spawn.js';
import type { SpawnRequest } from '../spawner.js';
import { sbatchHeader, slurmJobScript } from './script.js';

const account = { name: 'alice', system: { uid: 1001, gid: 1001, home: '/home/alice' } };

function request(resources: SpawnRequest['resources'], serverName = 'lab'): SpawnRequest {
  return { ...sleepingRequest(7, account), serverName, appId: 'jupyterlab', resources };
}

test('#SBATCH lines: partition, account, cores, memory, GPUs, time, name, output in the home, warning signal', () => {
  const header = sbatchHeader(
    request({ partition: 'gpu', account: 'physics', cores: 4, memory_gb: 16, gpus: 2, hours: 8 }),
    '/home/alice',
    { signalSeconds: 300, hubId: '0a1b2c3d' },
  );
  assert.deepEqual(header, [
    '#SBATCH --job-name=hpchub-jupyterlab',
    '#SBATCH --comment=hpchub-server-7-lab.0a1b2c3d',
    '#SBATCH --partition=gpu',
    '#SBATCH --account=physics',
    '#SBATCH --nodes=1',
    '#SBATCH --ntasks=1',
    '#SBATCH --cpus-per-task=4',
    '#SBATCH --mem=16384M',
    '#SBATCH --gres=gpu:2',
    '#SBATCH --time=480',
    '#SBATCH --signal=B:TERM@300',
    '#SBATCH --chdir=/home/alice',
    '#SBATCH --output=/home/alice/.hpchub-slurm.log',
    '#SBATCH --open-mode=append',
  ]);
  const plain = sbatchHeader(request({ cores: 1, memory_gb: 1, gpus: 0, hours: 1 }, ''), '/home/alice', {
    signalSeconds: 0,
  });
  assert.ok(!plain.some((l) => /--gres|--signal|--partition|--account/.test(l)), plain.join('\n'));
  assert.ok(plain.includes('#SBATCH --comment=hpchub-server-7-default'));
  // The longest server name, a large server id and the hub's id still make a plain word.
  const longest = sbatchHeader({ ...request({}, 'a'.repeat(40)), serverId: 2_147_483_647 }, '/home/alice', {
    signalSeconds: 0,
    hubId: 'ffffffff',
  });
  assert.ok(longest.includes(`#SBATCH --comment=hpchub-server-2147483647-${'a'.repeat(40)}.ffffffff`));
});

test('hostile values never reach a #SBATCH line', () => {
  for (const resources of [
    { partition: 'normal --uid=0' },
    { partition: 'x\n#SBATCH --uid=0' },
    { account: '$(id)' },
    { cores: -1 },
    { cores: 1.5 },
    { memory_gb: '1G --x' },
    { hours: Number.MAX_VALUE },
    { gpus: 'gpu:8' },
  ] as SpawnRequest['resources'][]) {
    assert.throws(
      () => sbatchHeader(request(resources), '/home/alice', { signalSeconds: 300 }),
      JSON.stringify(resources),
    );
  }
  for (const home of ['relative', '/home/a b', '/home/a\n#SBATCH', '/home/../etc', "/home/it's"])
    assert.throws(() => sbatchHeader(request({}), home, { signalSeconds: 300 }), home);
});

test('the whole script: prologue to the user’s log, custom script with Euler semantics, exec of the agent; shellcheck-clean', () => {
  const script = slurmJobScript(
    request({ cores: 2, memory_gb: 4, gpus: 0, hours: 2, partition: 'normal' }),
    '/home/alice',
    {
      signalSeconds: 300,
    },
  );
  const lines = script.split('\n');
  assert.equal(lines[0], '#!/bin/bash');
  // sbatch reads #SBATCH lines only before the first command.
  const firstCommand = lines.findIndex((l, i) => i > 0 && l !== '' && !l.startsWith('#'));
  assert.ok(lines.slice(0, firstCommand).filter((l) => l.startsWith('#SBATCH')).length >= 10);
  assert.ok(lines.slice(firstCommand).every((l) => !l.startsWith('#SBATCH')));
  assert.match(script, /exec >>"\$HOME"\/'\.hpchub\/logs\/lab\.log' 2>&1/);
  assert.match(script, /if \[ -f "\$hpchub_custom_script" \]; then\n {4}echo "hpchub: sourcing/);
  assert.match(script, /does not exist; continuing without it/);
  assert.match(script, /^exec '\/bin\/sleep' '300'$/m);
  if (spawnSync('shellcheck', ['--version']).status !== 0) throw new Error('shellcheck is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'hpchub-slurm-script-'));
  try {
    const file = join(dir, 'job.sh');
    writeFileSync(file, script);
    const res = spawnSync('shellcheck', ['--shell=bash', '--exclude=SC1090,SC1091', file], {
      encoding: 'utf8',
    });
    assert.equal(res.status, 0, res.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
