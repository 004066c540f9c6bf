// Slurm commands and slurm-gateway calls reach the metrics through the observer the clients are
// given: each command's time by its name, a failing command as a failure with its class, and a
// gateway that cannot be reached as a gateway error. No job id or user appears in the metrics.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { CliSlurmClient, type CommandResult, type Exec, GatewaySlurmClient, SlurmError } from '@hpchub/slurm';
import { metricValue } from '../test-support/metric-values.js';
import { HubMetrics } from './hub-metrics.js';

/** Scripted Slurm commands: squeue lists nothing, scancel finds the controller down, sbatch is missing. */
const scripted: Exec = async (argv) => {
  const command = argv.find((word) => /^(sbatch|squeue|scancel)$/.test(word));
  const result: CommandResult = { code: 0, stdout: '', stderr: '', timedOut: false };
  if (command === 'scancel')
    return {
      ...result,
      code: 1,
      stderr: 'scancel: error: Unable to contact slurm controller (connect failure)\n',
    };
  if (command === 'sbatch') return { ...result, code: null, spawnError: 'sbatch: ENOENT' };
  return result;
};

test('each Slurm command is timed by name, and a failing one counts a failure with its reason', async () => {
  const metrics = new HubMetrics();
  const client = new CliSlurmClient({ exec: scripted, userPrefix: ['{user}'], observer: metrics.slurm });
  const count = (command: string) =>
    metricValue(metrics.registry, 'hpchub_slurm_command_duration_seconds', { command }, '_count');
  const failures = (command: string, reason: string) =>
    metricValue(metrics.registry, 'hpchub_slurm_command_failures_total', { command, reason });

  await client.query([{ id: '4242', user: 'alice' }]);
  assert.equal(await count('squeue'), 1);
  assert.equal(await count('sacct'), 1, 'a job squeue does not list is looked up in accounting');
  assert.equal(await failures('squeue', 'exit_status'), 0, 'a command that succeeded is no failure');

  await assert.rejects(client.cancel({ id: '4242', user: 'alice' }), SlurmError);
  assert.equal(await count('scancel'), 1);
  assert.equal(await failures('scancel', 'unreachable'), 1);

  await assert.rejects(client.submit({ user: 'alice', script: '#!/bin/sh\n' }), SlurmError);
  assert.equal(await failures('sbatch', 'cannot_run'), 1);
  assert.doesNotMatch(await metrics.registry.metrics(), /4242|alice/);
});

test('a slurm-gateway that cannot be reached counts a gateway error by operation', async () => {
  // A port that was free a moment ago: nothing listens there.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));

  const metrics = new HubMetrics();
  const gateway = new GatewaySlurmClient({
    url: `https://127.0.0.1:${port}`,
    token: 'secret-token',
    observer: metrics.slurm,
  });
  await assert.rejects(gateway.clusterInfo(), SlurmError);
  assert.equal(
    await metricValue(metrics.registry, 'hpchub_slurm_gateway_errors_total', {
      operation: 'cluster_info',
      reason: 'connection',
    }),
    1,
  );
  assert.equal(
    await metricValue(
      metrics.registry,
      'hpchub_slurm_gateway_request_duration_seconds',
      { operation: 'cluster_info' },
      '_count',
    ),
    1,
  );
});
