// The entry point of a hub on a simulated cluster (see sim-cluster.ts): the real `hpchub start`
// from the build (dist/, as a site runs it: no TypeScript loader in the measured process) with
// its configuration file, except that its spawner is the real Slurm spawner asking the test's
// FakeSlurm through the real slurm-gateway client, and every hub user has a cluster account
// (the test's own uid, a home in the data directory), so thousands of users need no system
// accounts. On SIGUSR2 it logs its event loop's delay since the last SIGUSR2 (for benchmarks),
// and with HPCHUB_SIM_PROFILE_DIR set, writes there a CPU profile of the same stretch, named in
// that log line (for finding what the delay and the CPU are spent on).
//   HPCHUB_SIM_SLURM_URL=… HPCHUB_SIM_SLURM_FINGERPRINT=… HPCHUB_SIM_SLURM_TOKEN=… node sim-hub.mjs CONFIG_FILE
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GatewaySlurmClient } from '@hpchub/slurm';
import { processIo } from '../../dist/cli/io.js';
import { start } from '../../dist/cli/start.js';
import { loadConfig } from '../../dist/config/index.js';
import { createSlurmSpawner } from '../../dist/spawn/slurm/spawner.js';

const [configFile] = process.argv.slice(2);
const {
  HPCHUB_SIM_SLURM_URL: url,
  HPCHUB_SIM_SLURM_FINGERPRINT: fingerprint,
  HPCHUB_SIM_SLURM_TOKEN: token,
} = process.env;
if (!configFile || !url || !fingerprint || !token) throw new Error('usage: see the head of sim-hub.mjs');

const profileDir = process.env.HPCHUB_SIM_PROFILE_DIR;
const profiler = profileDir ? new Session() : undefined;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.start');
}

/** The CPU profile since the last call, written to a file; its path (a new profile starts). */
async function nextProfile() {
  const { profile } = await profiler.post('Profiler.stop');
  const path = join(profileDir, `hub-${process.pid}-${Date.now()}.cpuprofile`);
  writeFileSync(path, JSON.stringify(profile));
  await profiler.post('Profiler.start');
  return path;
}

const loop = monitorEventLoopDelay({ resolution: 5 });
loop.enable();
process.on('SIGUSR2', async () => {
  const ms = (ns) => Math.round(ns / 1e4) / 100;
  const delay = { p50_ms: ms(loop.percentile(50)), p99_ms: ms(loop.percentile(99)), max_ms: ms(loop.max) };
  loop.reset();
  if (profiler) delay.profile = await nextProfile();
  process.stdout.write(`${JSON.stringify({ msg: 'event loop delay', event_loop_delay: delay })}\n`);
});

const { config, warnings } = loadConfig({ env: {}, file: configFile });
const client = new GatewaySlurmClient({ url, fingerprint, token });
const inner = createSlurmSpawner({ client, signalSeconds: 300, stopTimeoutMs: 30_000, stopPollMs: 250 });
const system = { uid: process.getuid(), gid: process.getgid(), home: config.data_dir };
const spawner = {
  ...inner,
  start: (request) => inner.start({ ...request, account: { name: request.account.name, system } }),
};
process.exitCode = await start({ config, warnings, io: processIo }, { spawner });
