// The Slurm spawner of a simulated cluster: the real one, on any SlurmClient (a FakeSlurm), where
// every hub user has a cluster account (the test's own uid, a home in the hub's data directory),
// so that thousands of users need no system accounts.
import type { SlurmClient } from '@hpchub/slurm';
import { createSlurmSpawner } from '../spawn/slurm/spawner.js';
import type { Spawner } from '../spawn/spawner.js';

export function simulatedClusterSpawner(client: SlurmClient, home: string): Spawner {
  const inner = createSlurmSpawner({ client, signalSeconds: 300, stopTimeoutMs: 30_000, stopPollMs: 250 });
  const system = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, home };
  return {
    ...inner,
    start: (request) => inner.start({ ...request, account: { name: request.account.name, system } }),
  };
}
