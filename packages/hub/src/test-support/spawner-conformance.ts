// The Spawner conformance suite: what every spawner (local, Slurm, the fakes) must do, checked
// the same way for each. A spawner's test file calls spawnerConformance() with a factory and a
// way to make requests for it.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { PollResult, Spawner, SpawnerState, SpawnRequest } from '../spawn/spawner.js';

export interface ConformanceSetup {
  spawner: Spawner;
  /** A request whose job keeps running until stopped (e.g. a script that sleeps). */
  request(serverId: number): SpawnRequest;
  /** Whether the job eventually runs (false for a spawner that queues forever). */
  runs: boolean;
  /** How long to wait for a state change, at most. */
  patienceMs?: number;
  cleanup?(): Promise<void>;
}

async function until(
  spawner: Spawner,
  state: SpawnerState,
  want: PollResult['status'][],
  patienceMs: number,
) {
  const deadline = Date.now() + patienceMs;
  let last: PollResult = await spawner.poll(state);
  while (!want.includes(last.status) && Date.now() < deadline) {
    await sleep(50);
    last = await spawner.poll(state);
  }
  return last;
}

export function spawnerConformance(name: string, setup: () => Promise<ConformanceSetup>): void {
  describe(`${name} conforms to the Spawner contract`, async () => {
    const ctx = await setup();
    const { spawner } = ctx;
    const patience = ctx.patienceMs ?? 10_000;
    const started: SpawnerState[] = [];
    after(async () => {
      for (const s of started) await spawner.stop(s);
      await ctx.cleanup?.();
    });

    it('has an id', () => {
      assert.match(spawner.id, /^[a-z][a-z0-9-]*$/);
    });

    it('a spawner whose jobs never wait in a queue never polls a job as pending', async () => {
      assert.equal(typeof spawner.queuesJobs, 'boolean');
      if (spawner.queuesJobs) return;
      const state = await spawner.start(ctx.request(6));
      started.push(state);
      for (let i = 0; i < 3; i++) assert.notEqual((await spawner.poll(state)).status, 'pending');
    });

    it('start() resolves to a JSON state that survives a round trip through the database', async () => {
      const state = await spawner.start(ctx.request(1));
      started.push(state);
      const copy = JSON.parse(JSON.stringify(state)) as SpawnerState;
      assert.deepEqual(copy, state);
      const result = await spawner.poll(copy);
      assert.ok(['pending', 'running'].includes(result.status), `status after start: ${result.status}`);
    });

    it(
      ctx.runs ? 'the job runs, then stop() ends it and poll() says stopped' : 'stop() ends a queued job',
      async () => {
        const state = await spawner.start(ctx.request(2));
        started.push(state);
        if (ctx.runs) assert.equal((await until(spawner, state, ['running'], patience)).status, 'running');
        await spawner.stop(state);
        assert.equal((await until(spawner, state, ['stopped'], patience)).status, 'stopped');
      },
    );

    it('stop() is idempotent, also for a job that is gone', async () => {
      const state = await spawner.start(ctx.request(3));
      started.push(state);
      await spawner.stop(state);
      await spawner.stop(state);
      assert.equal((await until(spawner, state, ['stopped'], patience)).status, 'stopped');
    });

    it('poll() of a state that names no job says stopped, without throwing', async () => {
      for (const state of [
        {},
        { kind: 'nonsense' },
        { job: 'no-such-job', pid: 2 ** 22 + 1, startTime: 'x' },
      ]) {
        const result = await spawner.poll(state);
        assert.equal(result.status, 'stopped', JSON.stringify(state));
      }
    });

    it('pollMany() answers like poll(), in the same order', async () => {
      const a = await spawner.start(ctx.request(4));
      started.push(a);
      await spawner.stop(a);
      await until(spawner, a, ['stopped'], patience);
      const b = await spawner.start(ctx.request(5));
      started.push(b);
      const many = await spawner.pollMany([a, b, {}]);
      assert.equal(many.length, 3);
      assert.equal(many[0]?.status, 'stopped');
      assert.ok(['pending', 'running'].includes(many[1]?.status ?? ''), many[1]?.status);
      assert.equal(many[2]?.status, 'stopped');
    });
  });
}
