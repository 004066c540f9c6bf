// The SlurmClient conformance suite: what the command-line client, the slurm-gateway client and
// the fake must all do, checked the same way. A client's test file calls slurmClientConformance()
// with a factory; scripts come from the suite, so they run on any cluster.
import assert from 'node:assert/strict';
import { after, afterEach, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isFinalState, type JobAnswer, type JobRef, type SlurmClient, SlurmError } from '@hpchub/slurm';

export interface SlurmConformanceSetup {
  client: SlurmClient;
  /** An account that may submit jobs. */
  user: string;
  /** A second such account, whose jobs `user`'s listing must never show. */
  otherUser: string;
  /** `#SBATCH` lines every script needs on this cluster (output file, working directory…). */
  header?: string[];
  /** How long to wait for a job to change state, at most (default 60 s). */
  patienceMs?: number;
  /** Pause between queries while waiting (default 250 ms). */
  pollMs?: number;
  cleanup?(): Promise<void>;
}

export function slurmClientConformance(name: string, setup: () => Promise<SlurmConformanceSetup>): void {
  describe(`${name} conforms to the SlurmClient contract`, async () => {
    const ctx = await setup();
    const { client, user } = ctx;
    const patience = ctx.patienceMs ?? 60_000;
    const submitted: JobRef[] = [];
    // Each test's jobs are cancelled after it, so that the next one finds room on a small cluster.
    afterEach(async () => {
      for (const job of submitted.splice(0)) await client.cancel(job).catch(() => undefined);
    });
    after(async () => {
      await ctx.cleanup?.();
    });

    const script = (...body: string[]) =>
      ['#!/bin/bash', ...(ctx.header ?? []), '#SBATCH --job-name=hpchub-conformance', ...body, ''].join('\n');

    async function submit(...body: string[]): Promise<JobRef> {
      return submitAs(user, ...body);
    }

    async function submitAs(owner: string, ...body: string[]): Promise<JobRef> {
      const id = await client.submit({ user: owner, script: script(...body) });
      const ref = { id, user: owner };
      submitted.push(ref);
      return ref;
    }

    async function until(ref: JobRef, done: (a: JobAnswer) => boolean): Promise<JobAnswer> {
      const deadline = Date.now() + patience;
      for (;;) {
        const answer = (await client.query([ref])).get(ref.id);
        assert.ok(answer, `no answer for job ${ref.id}`);
        if (done(answer) || Date.now() > deadline) return answer;
        await sleep(ctx.pollMs ?? 250);
      }
    }

    const ended = (a: JobAnswer) => a.kind === 'gone' || (a.kind === 'job' && isFinalState(a.job.state));

    it('submit() resolves to a job id that query() knows, owned by the user', async () => {
      const ref = await submit('sleep 300');
      assert.match(ref.id, /^\d+$/);
      const answer = (await client.query([ref])).get(ref.id);
      assert.equal(answer?.kind, 'job', JSON.stringify(answer));
      if (answer?.kind !== 'job') return;
      assert.equal(answer.job.user, user);
      assert.ok(['PENDING', 'CONFIGURING', 'RUNNING'].includes(answer.job.state), answer.job.state);
    });

    it('query() answers for every job in one call, and says gone for jobs it never had', async () => {
      const a = await submit('sleep 300');
      const b = await submit('sleep 300');
      const never = { id: '999999999', user };
      const bogus = { id: 'not-a-job', user };
      const answers = await client.query([a, b, never, bogus]);
      assert.equal(answers.size, 4);
      assert.equal(answers.get(a.id)?.kind, 'job');
      assert.equal(answers.get(b.id)?.kind, 'job');
      assert.equal(answers.get(never.id)?.kind, 'gone');
      assert.equal(answers.get(bogus.id)?.kind, 'gone');
      assert.deepEqual(await client.query([]), new Map());
    });

    it('a job runs on a node, then cancel() ends it as CANCELLED; cancelling again is fine', async () => {
      const ref = await submit('sleep 300');
      const running = await until(ref, (a) => a.kind === 'job' && a.job.state === 'RUNNING');
      assert.equal(running.kind === 'job' && running.job.state, 'RUNNING', JSON.stringify(running));
      assert.ok(running.kind === 'job' && running.job.node, 'a running job names its node');
      await client.cancel(ref);
      const after = await until(ref, ended);
      assert.ok(after.kind === 'job' && after.job.state === 'CANCELLED', JSON.stringify(after));
      await client.cancel(ref);
      await client.cancel({ id: '999999999', user });
    });

    it('a job that exits with status 3 is FAILED with exit code 3', async () => {
      const ref = await submit('exit 3');
      const answer = await until(ref, ended);
      assert.equal(answer.kind, 'job', JSON.stringify(answer));
      if (answer.kind !== 'job') return;
      assert.equal(answer.job.state, 'FAILED');
      assert.equal(answer.job.exitCode, 3);
    });

    it('an invalid partition is refused at submit, in Slurm’s words', async () => {
      await assert.rejects(
        client.submit({ user, script: script('#SBATCH --partition=no-such-partition', 'true') }),
        (err: unknown) =>
          err instanceof SlurmError && err.kind === 'refused' && /partition/i.test(err.message),
      );
    });

    it('listJobs() shows the user’s waiting and running jobs with their comments, no one else’s, no ended one', async () => {
      // A comment may hold anything its owner writes, `|` included: it cannot shift the other fields.
      const marked = await submit('#SBATCH --comment=hpchub-conformance|marked', 'sleep 300');
      const plain = await submit('sleep 300');
      const others = await submitAs(ctx.otherUser, '#SBATCH --comment=hpchub-conformance-other', 'sleep 300');
      const listed = await client.listJobs(user);
      const mine = listed.filter((j) => j.id === marked.id || j.id === plain.id);
      assert.deepEqual(
        mine.map(({ id, user, comment }) => ({ id, user, comment })).sort((a, b) => a.id.localeCompare(b.id)),
        [
          { id: marked.id, user, comment: 'hpchub-conformance|marked' },
          { id: plain.id, user, comment: '' },
        ].sort((a, b) => a.id.localeCompare(b.id)),
      );
      for (const job of mine) assert.ok(['PENDING', 'CONFIGURING', 'RUNNING'].includes(job.state), job.state);
      assert.ok(
        listed.every((j) => j.user === user && j.id !== others.id),
        'only the user’s own jobs are listed',
      );
      await client.cancel(marked);
      await until(marked, ended);
      const after = await client.listJobs(user);
      assert.ok(!after.some((j) => j.id === marked.id), 'an ended job is not listed');
      assert.ok(after.some((j) => j.id === plain.id));
      assert.ok((await client.listJobs(ctx.otherUser)).some((j) => j.id === others.id));
    });

    it('clusterInfo() lists partitions with what one job may use', async () => {
      const { partitions } = await client.clusterInfo();
      assert.ok(partitions.length >= 1);
      assert.equal(partitions.filter((p) => p.isDefault).length, 1, 'exactly one default partition');
      for (const p of partitions) {
        assert.match(p.name, /^\S+$/);
        assert.ok(p.maxCpusPerNode >= 1, `${p.name}: cpus`);
        assert.ok(p.maxMemoryMbPerNode >= 1, `${p.name}: memory`);
        assert.ok(p.maxGpusPerNode >= 0, `${p.name}: gpus`);
        assert.ok(p.maxTimeSeconds === null || p.maxTimeSeconds > 0, `${p.name}: time`);
      }
    });
  });
}
