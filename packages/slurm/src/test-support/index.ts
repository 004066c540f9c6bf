// Test doubles of @hpchub/slurm, for the tests of this package and of the packages that use it:
// an in-memory Slurm, a bridge that serves any client to another process in the slurm-gateway's
// wire format, and the SlurmClient conformance suite every client (and the fake, through the
// bridge and the gateway client too) passes.
// Not built into dist: imported as `@hpchub/slurm/test-support` from TypeScript sources only.
export { type SlurmConformanceSetup, slurmClientConformance } from './conformance.js';
export { FAKE_CLUSTER, type FakeJobView, type FakeQuery, FakeSlurm, type FakeSlurmOptions } from './fake.js';
export { type SlurmBridgeOptions, serveSlurm } from './remote.js';
