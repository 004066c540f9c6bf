// The entry point of a hub for fault tests on the real Slurm cluster (see fault-lab.ts): what
// `hpchub start` runs, from the build, except that its Slurm client can be told to stop dead at
// one point of a spawn, so that a test can kill the hub exactly there. The point is one-shot and
// read from the file `fault-point` in the data directory (written by the test, removed when
// reached): `submitted` (sbatch has accepted the job, the hub has not saved its id yet) or
// `cancel` (a stop is about to scancel the job; the server is recorded as stopping). Reaching
// it, the hub logs "fault point reached" and that call never returns. Production builds have no
// such seam: this file wraps the client from the outside.
//   node fault-hub.mjs CONFIG_FILE
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../dist/config/index.js';
import { listen, openHub } from '../../dist/hub.js';
import { configuredSlurmClient, createSlurmSpawning } from '../../dist/spawn/slurm/setup.js';

const [configFile] = process.argv.slice(2);
if (!configFile) throw new Error('usage: node fault-hub.mjs CONFIG_FILE');

const { config } = loadConfig({ env: {}, file: configFile });
const open = await openHub(config);
const log = open.hub.log;
const pointFile = join(config.data_dir, 'fault-point');

/** Stops dead when `point` is the one asked for (once): logs it and never resolves. */
async function maybeStop(point, detail) {
  if (!existsSync(pointFile) || readFileSync(pointFile, 'utf8').trim() !== point) return;
  rmSync(pointFile, { force: true });
  log.info({ point, ...detail }, 'fault point reached');
  await new Promise(() => {});
}

const client = configuredSlurmClient(config, log);
const pausing = {
  query: (jobs) => client.query(jobs),
  listJobs: (user) => client.listJobs(user),
  clusterInfo: () => client.clusterInfo(),
  async submit(request) {
    const job = await client.submit(request);
    await maybeStop('submitted', { job });
    return job;
  },
  async cancel(job) {
    await maybeStop('cancel', { job: job.id });
    return client.cancel(job);
  },
};
const running = await listen(open, { spawner: createSlurmSpawning(open.hub, pausing).spawner });
log.info({ url: running.url }, 'hpchub is running');
const stop = () => void running.close().then(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
