// The batch script of a structured submit (rendered by @hpchub/slurm, as the hub renders it), and
// the partitions a raw script asks for.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderBatchScript } from '@hpchub/slurm';
import { scriptPartitions } from './render.js';
import type { SubmitBody } from './schemas.js';
import { ALICE, submitBody } from './test-support.js';

const account = { name: ALICE, uid: 1001, home: '/home/hpchub-alice' };

test('#SBATCH lines come from the validated fields, in the hub’s units', () => {
  const body = submitBody(ALICE, { gpus: 2, signal_seconds: 300, account: 'physics' }) as SubmitBody;
  const script = renderBatchScript(body, account.home);
  const header = script.split('\n').filter((l) => l.startsWith('#SBATCH'));
  assert.deepEqual(header, [
    '#SBATCH --job-name=hpchub-gateway-test',
    '#SBATCH --partition=normal',
    '#SBATCH --account=physics',
    '#SBATCH --nodes=1',
    '#SBATCH --ntasks=1',
    '#SBATCH --cpus-per-task=1',
    '#SBATCH --mem=100M',
    '#SBATCH --gres=gpu:2',
    '#SBATCH --time=5',
    '#SBATCH --signal=B:TERM@300',
    '#SBATCH --chdir=/home/hpchub-alice',
    '#SBATCH --output=/home/hpchub-alice/.hpchub-gateway-test.log',
    '#SBATCH --open-mode=append',
  ]);
  assert.match(script, /^exec '\/bin\/true' '\/dev\/null'$/m);
});

test('every value of the agent’s launch data is single-quoted', () => {
  const body = submitBody(ALICE) as SubmitBody;
  body.job.spec.env = { X: "$(touch /tmp/x)'; id #" };
  const script = renderBatchScript(body, account.home);
  const line = script.split('\n').find((l) => l.startsWith('export HPCHUB_AGENT_SPEC='));
  assert.ok(line?.includes(`'\\''; id #`), line);
  assert.ok(!script.includes("'; id #\n"));
});

test('a raw script’s partitions are read from its #SBATCH lines only', () => {
  const script = [
    '#!/bin/bash',
    '#SBATCH --cpus-per-task=1',
    '#SBATCH --partition=normal',
    '#SBATCH -p short,gpu',
    '#SBATCH --partition debug',
    'echo --partition=not-a-directive',
  ].join('\n');
  assert.deepEqual(scriptPartitions(script), ['normal', 'short', 'gpu', 'debug']);
});

test('modules: the app’s then the user’s, with the hub’s module system; a name that is not one is refused', () => {
  const body = submitBody(ALICE) as SubmitBody;
  body.job.modules = ['r/4.3'];
  body.job.user_modules = ['gcc/12.2.0', 'python/3.11.6'];
  body.job.module_init = ['/etc/profile.d/lmod.sh'];
  body.job.module_use = ['/cluster/apps/modulefiles'];
  const script = renderBatchScript(body, account.home);
  assert.match(script, /for hpchub_init in '\/etc\/profile\.d\/lmod\.sh'; do/);
  assert.match(script, /module use '\/cluster\/apps\/modulefiles'/);
  assert.match(script, /if module load 'r\/4\.3' 'gcc\/12\.2\.0' 'python\/3\.11\.6' 2>/);
  for (const hostile of ['$(id)', 'a b', '-f', '../x', '.hidden']) {
    body.job.user_modules = [hostile];
    assert.throws(() => renderBatchScript(body, account.home), /not a module name/, hostile);
  }
  body.job.user_modules = [];
  body.job.module_use = ['relative/tree'];
  assert.throws(() => renderBatchScript(body, account.home), /not a plain absolute path/);
});

test('nothing to load: `module` sources the init file on first use, unless the hub asks for it always', () => {
  const body = submitBody(ALICE) as SubmitBody;
  body.job.modules = [];
  body.job.module_init = ['/etc/profile.d/lmod.sh'];
  const onUse = renderBatchScript(body, account.home);
  assert.match(onUse, /module\(\) \{ hpchub_module_init; module "\$@"; \}/);
  assert.doesNotMatch(onUse, /^\s*\. "\$hpchub_init"$/m);
  body.job.module_init_always = true;
  const always = renderBatchScript(body, account.home);
  assert.match(always, /^\s*\. "\$hpchub_init"$/m);
  assert.doesNotMatch(always, /hpchub_module_init/);
});
