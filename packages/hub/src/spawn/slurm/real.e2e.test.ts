// The Slurm spawner against the real single-node cluster (scripts/provision/slurm.sh): jobs
// submitted as the system user hpchub-alice through runuser pass the Spawner conformance suite.
import { execFileSync } from 'node:child_process';
import { CliSlurmClient, RUNUSER_PREFIX } from '@hpchub/slurm';
import { requireSlurm } from '../../test-support/components.js';
import { sleepingRequest } from '../../test-support/spawn.js';
import { spawnerConformance } from '../../test-support/spawner-conformance.js';
import { testSystemUser, testSystemUsers } from '../../test-support/system-users.js';
import { createSlurmSpawner } from './spawner.js';

spawnerConformance('Slurm spawner on the real cluster', async () => {
  await requireSlurm();
  const alice = testSystemUser(testSystemUsers(), 'hpchub-alice');
  const account = { name: alice.name, system: { uid: alice.uid, gid: alice.uid, home: alice.home } };
  const client = new CliSlurmClient({ userPrefix: [...RUNUSER_PREFIX] });
  const spawner = createSlurmSpawner({ client, signalSeconds: 60, stopTimeoutMs: 60_000 });
  return {
    spawner,
    request: (id) => ({
      ...sleepingRequest(id, account),
      serverName: `conformance${id}`,
      resources: { partition: 'normal', cores: 1, memory_gb: 1, hours: 1 },
    }),
    runs: true,
    patienceMs: 90_000,
    async cleanup() {
      // The jobs' logs in the user's home (the jobs themselves were stopped by the suite).
      execFileSync('find', [
        alice.home,
        '-maxdepth',
        '3',
        '-path',
        '*/.hpchub/logs/conformance*.log',
        '-delete',
      ]);
    },
  };
});
