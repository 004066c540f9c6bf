// The fakes pass the same conformance suite as the real spawners.

import { createFakeSpawner, type FakeBehaviour } from './fake-spawner.js';
import { sleepingRequest } from './spawn.js';
import { spawnerConformance } from './spawner-conformance.js';

for (const behaviour of ['instant', 'slow', 'never'] as FakeBehaviour[]) {
  spawnerConformance(`fake spawner (${behaviour})`, async () => ({
    spawner: createFakeSpawner(behaviour, { pendingPolls: 2 }),
    request: (id) => sleepingRequest(id, { name: 'alice', system: null }),
    runs: behaviour !== 'never',
  }));
}
