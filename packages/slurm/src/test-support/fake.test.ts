// The fake passes the conformance suite the real clients pass.
import { slurmClientConformance } from './conformance.js';
import { FakeSlurm } from './fake.js';

slurmClientConformance('FakeSlurm', async () => ({ client: new FakeSlurm(), user: 'alice', pollMs: 1 }));
