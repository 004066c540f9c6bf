// The real components the suite runs against, as scripts/provision/all.sh leaves them: PostgreSQL
// answers as the test role, Slurm has a usable node, a batch job submitted by an ordinary user
// runs as that user and can be cancelled, and the OpenLDAP directory answers over LDAPS. Everything the tests start is removed afterwards.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { postgresUrl, requirePostgres, requireSlurm } from '../packages/hub/src/test-support/components.js';
import { testDirectory } from '../packages/hub/src/test-support/ldap-directory.js';

const execFileAsync = promisify(execFile);

async function run(command: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(command, args, { timeout: 30_000 });
  return stdout.trim();
}

/** Polls `check` every 200 ms until it returns a value other than undefined, for at most `ms`. */
async function waitFor<T>(what: string, ms: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(200);
  }
}

/** The job's state from scontrol (finished jobs stay there for MinJobAge), or undefined if gone. */
async function jobState(jobId: string): Promise<string | undefined> {
  const out = await run('scontrol', ['show', 'job', '-o', jobId]).catch(() => '');
  return /\bJobState=(\S+)/.exec(out)?.[1];
}

describe('PostgreSQL', () => {
  test('answers select 1 as the test role, which may create databases', async () => {
    const url = await requirePostgres();
    assert.equal(url, postgresUrl());
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
    await client.connect();
    try {
      const { rows } = await client.query<{ one: number; createdb: boolean }>(
        'select 1 as one, rolcreatedb as createdb from pg_roles where rolname = current_user',
      );
      assert.deepEqual(rows, [{ one: 1, createdb: true }]);
    } finally {
      await client.end();
    }
  });
});

describe('Slurm', () => {
  test('sinfo lists a node that accepts jobs', async () => {
    await requireSlurm();
    const nodes = (await run('sinfo', ['-h', '-N', '-o', '%N %T'])).split('\n').filter(Boolean);
    assert.ok(nodes.length >= 1, 'sinfo lists no node');
    assert.match(nodes.join('\n'), /^\S+ (idle|mixed|allocated|completing)$/m);
  });

  test('a job submitted by an ordinary user runs as that user and can be cancelled', async (t) => {
    if (process.getuid?.() !== 0) {
      throw new Error('This test creates a temporary system user, which needs root: run `sudo npm test`.');
    }
    await requireSlurm();
    const tag = randomBytes(4).toString('hex');
    const user = `hpchub-prov-${tag}`;
    const jobs: string[] = [];
    let outputPattern = '';
    t.after(async () => {
      // Cancel whatever is left, wait until none of the user's processes remain, then delete the
      // user and the job output.
      if (jobs.length > 0) await run('scancel', jobs).catch(() => '');
      for (const id of jobs) {
        await waitFor(`job ${id} to end`, 30_000, async () => {
          const state = await jobState(id);
          return state === undefined || !/^(PENDING|RUNNING|COMPLETING|CONFIGURING)$/.test(state)
            ? true
            : undefined;
        }).catch(() => {});
      }
      await waitFor(`the processes of ${user} to exit`, 30_000, async () =>
        (await run('pgrep', ['-u', user]).catch(() => '')) === '' ? true : undefined,
      ).catch(() => {});
      await run('userdel', [user]).catch(() => '');
      for (const id of jobs) await rm(outputPattern.replace('%j', id), { force: true });
    });

    await run('useradd', [
      '--system',
      '--no-create-home',
      '--home-dir',
      '/nonexistent',
      '--shell',
      '/usr/sbin/nologin',
      user,
    ]);
    outputPattern = `/tmp/hpchub-prov-${tag}-%j.out`;
    const uid = await run('id', ['-u', user]);
    const submit = (script: string) =>
      run('runuser', [
        '-u',
        user,
        '--',
        'sbatch',
        '--parsable',
        '--job-name=hpchub-provisioning-test',
        '--chdir=/tmp',
        `--output=${outputPattern}`,
        '--wrap',
        script,
      ]);

    const jobId = (await submit('id -un; sleep 300')).split(';')[0] ?? '';
    assert.match(jobId, /^\d+$/);
    jobs.push(jobId);

    // Running, owned by the user in Slurm's eyes and in the kernel's (the job's own `id -un`).
    const owner = await waitFor(`job ${jobId} to run`, 60_000, async () => {
      const [jobUser, state] = (await run('squeue', ['-h', '-j', jobId, '-o', '%u %T'])).split(' ');
      if (state === 'RUNNING') return jobUser;
      assert.ok(state === 'PENDING' || state === 'CONFIGURING', `job ${jobId} is ${state ?? 'gone'}`);
      return undefined;
    });
    assert.equal(owner, user);
    const output = await waitFor('the job output', 30_000, async () => {
      const text = await readFile(outputPattern.replace('%j', jobId), 'utf8').catch(() => '');
      return text.trim() === '' ? undefined : text;
    });
    assert.equal(output.trim(), user);

    // The user may cancel their own job; scontrol keeps it as CANCELLED for MinJobAge.
    await run('runuser', ['-u', user, '--', 'scancel', jobId]);
    const state = await waitFor(`job ${jobId} to be cancelled`, 30_000, async () => {
      const s = await jobState(jobId);
      return s === 'CANCELLED' ? s : undefined;
    });
    assert.equal(state, 'CANCELLED');
    // No slurmdbd here: plain sacct fails, but `sacct --completion` (as root) reads the
    // jobcomp/filetxt log (see scripts/provision/slurm.sh). Job ids restart at 1 when slurmctld's
    // state is lost, so the log may hold older records with the same id.
    const records = await waitFor('the job in sacct --completion', 10_000, async () => {
      const out = await run('sacct', [
        '--completion',
        '-j',
        jobId,
        '-n',
        '-P',
        '-o',
        'jobid,user,state',
      ]).catch(() => '');
      const lines = out.split('\n');
      // The user column reads name(uid). Match the uid: slurmctld caches uid→name, so a uid that
      // an earlier, deleted temporary user had still shows that user's name.
      return lines.some((line) => line.startsWith(`${jobId}|`) && line.endsWith(`(${uid})|CANCELLED`))
        ? lines
        : undefined;
    });
    assert.ok(records.length >= 1);
  });
});

describe('OpenLDAP', () => {
  test('the test directory answers over LDAPS, with a certificate from the test CA, to the service account only', async () => {
    const dir = testDirectory();
    const search = (bind: string[]) =>
      execFileAsync(
        'ldapsearch',
        ['-x', '-LLL', '-H', dir.ldapsUrl, ...bind, '-b', dir.peopleBase, '(uid=ada)', 'dn'],
        {
          timeout: 30_000,
          env: { ...process.env, LDAPTLS_CACERT: dir.caFile, LDAPTLS_REQCERT: 'demand' },
        },
      );
    const { stdout } = await search(['-D', dir.serviceDn, '-y', dir.servicePasswordFile]);
    assert.match(stdout, /^dn: uid=ada,ou=people,dc=hpchub,dc=test$/m);
    // Anonymous searches see nothing, so search-then-bind really needs its service account.
    const anonymous = await search([]).then(
      (r) => r.stdout,
      (err: { stdout?: string }) => err.stdout ?? '',
    );
    assert.doesNotMatch(anonymous, /uid=ada/);
  });
});
