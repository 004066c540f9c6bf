// The local spawner with real processes: as the hub's own user for hub-only accounts, and as a
// real system user through runuser when the hub runs as root.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sleepingRequest } from '../../test-support/spawn.js';
import { spawnerConformance } from '../../test-support/spawner-conformance.js';
import { testSystemUser, testSystemUsers } from '../../test-support/system-users.js';
import { processStartTime } from './process.js';
import { localRunAs } from './run-as.js';
import { createLocalSpawner } from './spawner.js';

const usersDir = mkdtempSync(join(tmpdir(), 'hpchub-local-'));
// As in a hub: other users' jobs pass through to their own working directories.
chmodSync(usersDir, 0o711);
const alice = testSystemUser(testSystemUsers(), 'hpchub-alice');
// A root hub runs hub-only accounts' servers as an unprivileged account, never as root.
const nobody = { name: 'nobody', uid: 65534, gid: 65534 };
const sharedNobody = async () => nobody;
const aliceAccount = { name: alice.name, system: { uid: alice.uid, gid: alice.uid, home: alice.home } };

spawnerConformance('local spawner (hub-only account)', async () => ({
  spawner: createLocalSpawner({ usersDir, stopGraceSeconds: 2, runAs: sharedNobody }),
  request: (id) => sleepingRequest(id, { name: 'hubonly', system: null }),
  runs: true,
}));

spawnerConformance('local spawner (system account)', async () => ({
  spawner: createLocalSpawner({ usersDir, stopGraceSeconds: 2, runAs: sharedNobody }),
  request: (id) => sleepingRequest(id, aliceAccount),
  runs: true,
}));

function ownerOf(pid: number): number {
  return statSync(`/proc/${pid}`).uid;
}

function childrenOf(pid: number): number[] {
  let out: string;
  try {
    out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch (err) {
    // ps exits 1 when no process matched: runuser has not forked its child yet.
    if ((err as { status?: number }).status === 1) return [];
    throw err;
  }
  return out
    .split('\n')
    .map((l) => Number(l.trim()))
    .filter((n) => n > 0);
}

/**
 * The job's process under runuser, once it runs the job's command: runuser's child is root
 * until it has switched to the account, so a child seen earlier says nothing of whom the job runs as.
 */
async function jobUnder(runuser: number): Promise<number | undefined> {
  for (let i = 0; i < 100; i++) {
    const job = childrenOf(runuser).find((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').startsWith('/bin/sleep');
      } catch {
        return false; // gone meanwhile
      }
    });
    if (job !== undefined) return job;
    await sleep(50);
  }
  return undefined;
}

describe('local spawner', () => {
  after(() => {
    rmSync(usersDir, { recursive: true, force: true });
    rmSync(join(alice.home, '.hpchub'), { recursive: true, force: true });
  });

  it('runs a system user’s job as that user, in their home, with a clean environment, logging to ~/.hpchub/logs', async () => {
    const spawner = createLocalSpawner({ usersDir, stopGraceSeconds: 2, runAs: sharedNobody });
    const request = sleepingRequest(41, aliceAccount);
    const state = await spawner.start(request);
    try {
      const job = await jobUnder(state.pid as number);
      assert.ok(job, 'the job process appeared under runuser');
      assert.equal(ownerOf(job), alice.uid);
      const environ = readFileSync(`/proc/${job}/environ`, 'utf8').split('\0');
      assert.ok(environ.includes(`HOME=${alice.home}`));
      assert.ok(
        !environ.some((e) => e.startsWith('HPCHUB_CONFIG=') || e.startsWith('npm_')),
        'no hub environment leaks into the job',
      );
      assert.equal(execFileSync('readlink', [`/proc/${job}/cwd`], { encoding: 'utf8' }).trim(), alice.home);
      const log = readFileSync(join(alice.home, '.hpchub/logs/s41.log'), 'utf8');
      assert.match(log, /hpchub: .*\.no-such-script does not exist; continuing without it/);
      assert.equal(
        statSync(join(alice.home, '.hpchub/logs/s41.log')).uid,
        alice.uid,
        'the log belongs to the user',
      );
    } finally {
      await spawner.stop(state);
    }
    assert.equal(await processStartTime(state.pid as number), null, 'the process is gone after stop');
  });

  it('runs a hub-only account’s job as spawner.local_user (not root) in a private working directory', async () => {
    const spawner = createLocalSpawner({ usersDir, stopGraceSeconds: 2, runAs: sharedNobody });
    const state = await spawner.start(sleepingRequest(42, { name: 'carol', system: null }));
    try {
      const dir = join(usersDir, 'carol');
      assert.equal(statSync(dir).mode & 0o777, 0o700);
      assert.equal(statSync(dir).uid, nobody.uid);
      const job = await jobUnder(state.pid as number);
      assert.ok(job);
      assert.equal(execFileSync('readlink', [`/proc/${job}/cwd`], { encoding: 'utf8' }).trim(), dir);
      assert.equal(ownerOf(job), nobody.uid);
    } finally {
      await spawner.stop(state);
    }
  });

  it('maps each hub-only account to its own account with spawner.local_user hpchub-{user}, and refuses one without', async () => {
    const users = testSystemUsers();
    const bob = testSystemUser(users, 'hpchub-bob');
    const spawner = createLocalSpawner({
      usersDir,
      stopGraceSeconds: 2,
      runAs: await localRunAs('hpchub-{user}', 1000),
    });
    const states = [];
    try {
      for (const [id, name, uid] of [
        [44, 'alice', alice.uid],
        [45, 'bob', bob.uid],
      ] as const) {
        const state = await spawner.start(sleepingRequest(id, { name, system: null }));
        states.push(state);
        assert.equal(statSync(join(usersDir, name)).uid, uid, `${name}'s directory is hpchub-${name}'s`);
        const job = await jobUnder(state.pid as number);
        assert.ok(job);
        assert.equal(ownerOf(job), uid, `${name}'s job runs as hpchub-${name}`);
      }
      await assert.rejects(spawner.start(sleepingRequest(46, { name: 'no-such-person', system: null })), {
        code: 'account_unusable',
        message: /Unix account hpchub-no-such-person, which does not exist/,
      });
      // A pattern that could name root or a service account never runs as it.
      const bare = createLocalSpawner({ usersDir, runAs: await localRunAs('{user}', 1000) });
      await assert.rejects(bare.start(sleepingRequest(47, { name: 'root', system: null })), {
        code: 'account_unusable',
        message: /a system account/,
      });
    } finally {
      for (const state of states) await spawner.stop(state);
    }
  });

  it('returns from a stop once the job is gone, also when the grace ran out first', async () => {
    // runuser catches SIGTERM and waits 2 s before killing its child: past a grace of 0.1 s the
    // stop kills the group, and must still not return while the job is alive.
    const spawner = createLocalSpawner({ usersDir, stopGraceSeconds: 0.1, runAs: sharedNobody });
    for (const id of [48, 49]) {
      const state = await spawner.start(sleepingRequest(id, { name: 'carol', system: null }));
      const job = await jobUnder(state.pid as number);
      assert.ok(job);
      await spawner.stop(state);
      assert.equal(await processStartTime(state.pid as number), null, 'runuser is gone');
      assert.equal(await processStartTime(job), null, 'the job is gone');
    }
  });

  it('reports the exit code of a job that fails, and a pid reused by another process is not the job', async () => {
    const spawner = createLocalSpawner({ usersDir, stopGraceSeconds: 2, runAs: sharedNobody });
    const request = sleepingRequest(43, { name: 'carol', system: null });
    const failing = join(usersDir, 'fail-later.sh');
    writeFileSync(failing, 'sleep 0.5\nexit 3\n', { mode: 0o644 });
    request.job.nodePath = '/bin/bash';
    request.job.agentPath = failing;
    const state = await spawner.start(request);
    let result = await spawner.poll(state);
    assert.equal(result.status, 'running');
    for (let i = 0; i < 100 && result.status !== 'stopped'; i++) {
      await sleep(50);
      result = await spawner.poll(state);
    }
    assert.deepEqual(result, { status: 'stopped', reason: 'failed', exitCode: 3 });
    const forged = { kind: 'local', pid: process.pid, pgid: process.pid, startTime: '1', host: 'x' };
    assert.equal((await spawner.poll(forged)).status, 'stopped');
  });
});
