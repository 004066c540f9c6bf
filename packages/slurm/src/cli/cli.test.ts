// The command-line client with a scripted exec: which commands it runs, as whom, with what on
// stdin, and how it reads Slurm's answers and failures (messages captured from Slurm 22.05 with
// slurmctld stopped, and with no accounting storage).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SlurmError } from '../client.js';
import { CliSlurmClient, minimalEnv } from './client.js';
import type { CommandResult, Exec } from './exec.js';
import { asUser, defaultUserPrefix, parseUserPrefix } from './prefix.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
const ok = (stdout: string): CommandResult => ({ code: 0, stdout, stderr: '', timedOut: false });
const fail = (stderr: string, code = 1): CommandResult => ({ code, stdout: '', stderr, timedOut: false });
const DOWN = 'slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n';
const NO_ACCOUNTING = 'Slurm accounting storage is disabled\n';

interface Call {
  argv: string[];
  stdin: string | undefined;
  env: NodeJS.ProcessEnv;
}

/** A client whose commands answer from `reply`, recording every call. */
function scripted(reply: (argv: string[]) => CommandResult) {
  const calls: Call[] = [];
  const exec: Exec = async (argv, options) => {
    calls.push({ argv: [...argv], stdin: options.stdin, env: options.env });
    return reply([...argv]);
  };
  const client = new CliSlurmClient({ exec, userPrefix: ['sudo', '-n', '-u', '{user}'] });
  return { client, calls };
}

test('the user prefix: sudo by default, runuser for a root hub, {user} filled in, names checked', () => {
  assert.deepEqual(defaultUserPrefix(false), ['sudo', '-n', '-u', '{user}']);
  assert.deepEqual(defaultUserPrefix(true), ['runuser', '-u', '{user}', '--']);
  assert.deepEqual(asUser(['runuser', '-u', '{user}', '--'], 'alice', ['sbatch']), [
    'runuser',
    '-u',
    'alice',
    '--',
    'sbatch',
  ]);
  assert.deepEqual(parseUserPrefix(' ssh  login1 sudo -u {user} '), [
    'ssh',
    'login1',
    'sudo',
    '-u',
    '{user}',
  ]);
  assert.throws(() => parseUserPrefix('sudo -n'), /must contain \{user\}/);
  for (const bad of ['-x', '--help', '0', '1000', 'a b', 'a;b', '$(id)', '../x', ''])
    assert.throws(() => asUser(['sudo', '-u', '{user}'], bad, ['sbatch']), /not an account name/, bad);
});

test('submit: sbatch --parsable as the user, the script on stdin and never in argv', async () => {
  const { client, calls } = scripted(() => ok('42\n'));
  const script = '#!/bin/bash\n#SBATCH --time=1:00:00\nexport SECRET=s3cr3t\nexec node agent.js\n';
  assert.equal(await client.submit({ user: 'alice', script }), '42');
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0]?.argv, ['sudo', '-n', '-u', 'alice', 'sbatch', '--parsable']);
  assert.equal(calls[0]?.stdin, script);
  assert.ok(!calls[0]?.argv.join(' ').includes('s3cr3t'));
  // A federated cluster answers `id;cluster`.
  assert.equal(await scripted(() => ok('43;cluster1\n')).client.submit({ user: 'alice', script }), '43');
});

test('submit: the commands get a minimal environment, so nothing of the hub’s reaches a job', async () => {
  const env = minimalEnv({ PATH: '/usr/bin', HPCHUB_DB_URL: 'postgres://secret', SLURM_CONF: '/etc/s.conf' });
  assert.deepEqual(env, { PATH: '/usr/bin', LANG: 'C.UTF-8', SLURM_CONF: '/etc/s.conf' });
  const { client, calls } = scripted(() => ok('1\n'));
  await client.submit({ user: 'alice', script: '#!/bin/bash\n' });
  assert.deepEqual(
    Object.keys(calls[0]?.env ?? {}).filter((k) => k.startsWith('HPCHUB')),
    [],
  );
});

test('submit: refused, unreachable and not permitted are told apart', async () => {
  const cases: [string, CommandResult, SlurmError['kind'], RegExp][] = [
    [
      'invalid partition',
      fail(
        'sbatch: error: invalid partition specified: nosuch\nsbatch: error: Batch job submission failed: Invalid partition name specified\n',
      ),
      'refused',
      /^Invalid partition name specified$/,
    ],
    [
      'too much memory',
      fail(
        'sbatch: error: Memory specification can not be satisfied\nsbatch: error: Batch job submission failed: Requested node configuration is not available\n',
      ),
      'refused',
      /Requested node configuration is not available/,
    ],
    [
      'controller down',
      fail(
        'sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)\n',
      ),
      'unavailable',
      /Unable to contact slurm controller/,
    ],
    [
      'timeout',
      { code: null, stdout: '', stderr: '', timedOut: true },
      'unavailable',
      /did not finish in time/,
    ],
    [
      'no sudo rule',
      fail('sudo: a password is required\n'),
      'failed',
      /may not run Slurm commands as this user/,
    ],
    [
      'no sbatch',
      { code: null, stdout: '', stderr: '', timedOut: false, spawnError: 'sudo: ENOENT' },
      'failed',
      /could not run/,
    ],
  ];
  for (const [what, result, kind, message] of cases) {
    const { client } = scripted(() => result);
    await assert.rejects(
      client.submit({ user: 'alice', script: '' }),
      (err: unknown) => err instanceof SlurmError && err.kind === kind && message.test(err.message),
      what,
    );
  }
});

test('submit: only a controller that could not be connected to means nothing was sent', async () => {
  const cases: [string, CommandResult, boolean][] = [
    [
      'connect failure',
      fail(
        'sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)\n',
      ),
      true,
    ],
    // The controller may have taken the job before its answer was lost.
    [
      'socket timeout',
      fail('sbatch: error: Batch job submission failed: Socket timed out on send/recv operation\n'),
      false,
    ],
    [
      'zero bytes',
      fail('sbatch: error: Batch job submission failed: Zero Bytes were transmitted or received\n'),
      false,
    ],
    [
      'our timeout',
      {
        code: null,
        stdout: '',
        stderr: 'Unable to contact slurm controller (connect failure)',
        timedOut: true,
      },
      false,
    ],
    [
      'refused',
      fail('sbatch: error: Batch job submission failed: Invalid partition name specified\n'),
      false,
    ],
  ];
  for (const [what, result, notSent] of cases) {
    const { client } = scripted(() => result);
    await assert.rejects(
      client.submit({ user: 'alice', script: '' }),
      (err: unknown) => err instanceof SlurmError && err.notSent === notSent,
      what,
    );
  }
});

test('query: ONE squeue for every job of every user; nothing else while all are listed', async () => {
  const { client, calls } = scripted(() => ok(fixture('squeue-queued.txt')));
  const refs = [
    { id: '8', user: 'hpchub-bob' },
    { id: '9', user: 'hpchub-bob' },
    { id: '11', user: 'hpchub-alice' },
    { id: '13', user: 'hpchub-alice' },
  ];
  const answers = await client.query(refs);
  assert.equal(calls.length, 1);
  assert.deepEqual(calls[0]?.argv, [
    'squeue',
    '--noheader',
    '--states=all',
    '--jobs=8,9,11,13',
    '--format=%i|%u|%T|%B|%N|%S|%e|%l|%M|%P|%r|%j',
  ]);
  assert.deepEqual(
    refs.map((r) => {
      const a = answers.get(r.id);
      return a?.kind === 'job' ? `${a.job.state}/${a.job.reason ?? ''}` : a?.kind;
    }),
    ['RUNNING/', 'PENDING/Resources', 'PENDING/Priority', 'PENDING/Priority'],
  );
});

test('query: the controller unreachable → every job unknown, never gone', async () => {
  const { client, calls } = scripted(() => fail(DOWN));
  const answers = await client.query([
    { id: '8', user: 'hpchub-bob' },
    { id: '11', user: 'hpchub-alice' },
  ]);
  assert.equal(calls.length, 1, 'no sacct either: it cannot tell more than the controller');
  for (const a of answers.values()) {
    assert.equal(a.kind, 'unknown');
    assert.match(a.kind === 'unknown' ? a.detail : '', /Unable to contact slurm controller/);
  }
  const timedOut = scripted(() => ({ code: null, stdout: '', stderr: '', timedOut: true }));
  assert.equal((await timedOut.client.query([{ id: '8', user: 'x' }])).get('8')?.kind, 'unknown');
});

test('query: jobs squeue no longer lists are looked up with sacct as their owner, grouped by owner', async () => {
  const { client, calls } = scripted((argv) => {
    if (argv.includes('squeue')) return ok(fixture('squeue-queued.txt').split('\n').slice(3, 4).join('\n'));
    if (argv.includes('alice'))
      return ok(fixture('sacct-completion.txt').replaceAll('hpchub-alice(1001)', 'alice'));
    return ok('');
  });
  const answers = await client.query([
    { id: '8', user: 'hpchub-bob' },
    { id: '10', user: 'alice' },
    { id: '13', user: 'alice' },
    { id: '77', user: 'carol' },
  ]);
  assert.deepEqual(
    calls.map((c) => c.argv.slice(0, 5).join(' ')),
    [
      'squeue --noheader --states=all --jobs=8,10,13,77 --format=%i|%u|%T|%B|%N|%S|%e|%l|%M|%P|%r|%j',
      'sudo -n -u alice sacct',
      'sudo -n -u carol sacct',
    ],
  );
  assert.ok(calls[1]?.argv.includes('--jobs=10,13'));
  const failed = answers.get('10');
  assert.ok(failed?.kind === 'job' && failed.job.state === 'FAILED' && failed.job.exitCode === 3);
  const timeout = answers.get('13');
  assert.ok(timeout?.kind === 'job' && timeout.job.state === 'TIMEOUT' && timeout.job.source === 'sacct');
  assert.equal(answers.get('77')?.kind, 'gone');
});

test('query: no accounting storage → gone once the controller forgot; accounting unreachable → unknown', async () => {
  const noAccounting = scripted((argv) =>
    argv.includes('squeue') ? fail('slurm_load_jobs error: Invalid job id specified\n') : fail(NO_ACCOUNTING),
  );
  const gone = (await noAccounting.client.query([{ id: '5', user: 'alice' }])).get('5');
  assert.equal(gone?.kind, 'gone');
  assert.match(gone?.kind === 'gone' ? gone.detail : '', /keeps no job accounting/);

  const dbDown = scripted((argv) =>
    argv.includes('squeue')
      ? ok('')
      : fail('sacct: error: Problem talking to the database: Connection refused\n'),
  );
  assert.equal((await dbDown.client.query([{ id: '5', user: 'alice' }])).get('5')?.kind, 'unknown');
});

test('query: a listed job of another owner is not ours (job ids restart after a lost controller state)', async () => {
  const { client } = scripted((argv) =>
    argv.includes('squeue') ? ok(fixture('squeue-queued.txt')) : fail(NO_ACCOUNTING),
  );
  assert.equal((await client.query([{ id: '8', user: 'hpchub-alice' }])).get('8')?.kind, 'gone');
});

test('query: a FAILED job in squeue gets its exit code from scontrol', async () => {
  const { client, calls } = scripted((argv) =>
    argv.includes('squeue') ? ok(fixture('squeue-ended.txt')) : ok(fixture('scontrol-job-failed.txt')),
  );
  const answer = (await client.query([{ id: '10', user: 'hpchub-alice' }])).get('10');
  assert.ok(answer?.kind === 'job' && answer.job.exitCode === 3, JSON.stringify(answer));
  assert.deepEqual(calls[1]?.argv, ['scontrol', 'show', 'job', '--oneliner', '10']);
});

test('query: ids that are not Slurm job ids never reach a command', async () => {
  const { client, calls } = scripted(() => ok(''));
  const answers = await client.query([
    { id: '1;touch /tmp/x', user: 'alice' },
    { id: '--all', user: 'alice' },
  ]);
  assert.equal(calls.length, 0);
  assert.deepEqual(
    [...answers.values()].map((a) => a.kind),
    ['gone', 'gone'],
  );
});

test('cancel: scancel as the owner; ended or unknown jobs are fine; refusals and outages are errors', async () => {
  const { client, calls } = scripted(() => ok(''));
  await client.cancel({ id: '12', user: 'alice' });
  assert.deepEqual(calls[0]?.argv, ['sudo', '-n', '-u', 'alice', 'scancel', '12']);
  await scripted(() =>
    fail('scancel: error: Kill job error on job id 12: Job/step already completing or completed\n'),
  ).client.cancel({ id: '12', user: 'alice' });
  await scripted(() =>
    fail('scancel: error: Kill job error on job id 9: Invalid job id specified\n'),
  ).client.cancel({ id: '9', user: 'alice' });
  await assert.rejects(
    scripted(() =>
      fail('scancel: error: Kill job error on job id 8: Access/permission denied\n', 210),
    ).client.cancel({
      id: '8',
      user: 'alice',
    }),
    (err: unknown) => err instanceof SlurmError && err.kind === 'failed',
  );
  await assert.rejects(
    scripted(() =>
      fail(
        'scancel: error: Kill job error on job id 5: Unable to contact slurm controller (connect failure)\n',
        8,
      ),
    ).client.cancel({ id: '5', user: 'alice' }),
    (err: unknown) => err instanceof SlurmError && err.kind === 'unavailable',
  );
});

test('listJobs: one squeue as the user for their active jobs with comments; failures are SlurmErrors', async () => {
  const { client, calls } = scripted(() => ok(fixture('squeue-user-jobs.txt')));
  const jobs = await client.listJobs('hpchub-alice');
  assert.deepEqual(
    calls.map((c) => c.argv),
    [
      [
        'sudo',
        '-n',
        '-u',
        'hpchub-alice',
        'squeue',
        '--noheader',
        '--user=hpchub-alice',
        '--states=PENDING,CONFIGURING,RUNNING,SUSPENDED',
        '--format=%i|%u|%T|%k',
      ],
    ],
  );
  assert.deepEqual(
    jobs.map((j) => `${j.id} ${j.state} ${j.comment}`),
    ['1626 PENDING ', '1627 PENDING waits', '1624 RUNNING hpchub-server-7-default', '1625 RUNNING with|pipe'],
  );
  assert.deepEqual(await scripted(() => ok('')).client.listJobs('alice'), []);
  await assert.rejects(
    scripted(() => fail(DOWN)).client.listJobs('alice'),
    (err: unknown) => err instanceof SlurmError && err.kind === 'unavailable',
  );
  await assert.rejects(
    scripted(() => fail('sudo: a password is required\n')).client.listJobs('alice'),
    (err: unknown) =>
      err instanceof SlurmError && err.kind === 'failed' && /may not run Slurm commands/.test(err.message),
  );
  for (const bad of ['-x', '1000', 'a b', '$(id)']) {
    const never = scripted(() => ok(''));
    await assert.rejects(never.client.listJobs(bad), SlurmError, bad);
    assert.equal(never.calls.length, 0, bad);
  }
});

test('clusterInfo: sinfo and scontrol as the hub, combined per partition', async () => {
  const { client, calls } = scripted((argv) =>
    argv[0] === 'sinfo' ? ok(fixture('sinfo-nodes.txt')) : ok(fixture('scontrol-partitions.txt')),
  );
  const info = await client.clusterInfo();
  assert.deepEqual(
    info.partitions.map((p) => [p.name, p.maxCpusPerNode, p.maxMemoryMbPerNode, p.maxTimeSeconds]),
    [
      ['normal', 2, 8000, null],
      ['short', 1, 2048, 7200],
    ],
  );
  assert.deepEqual(
    calls.map((c) => c.argv[0]),
    ['sinfo', 'scontrol'],
  );
  await assert.rejects(
    scripted(() =>
      fail('slurm_load_partitions: Unable to contact slurm controller (connect failure)\n'),
    ).client.clusterInfo(),
    (err: unknown) => err instanceof SlurmError && err.kind === 'unavailable',
  );
});
