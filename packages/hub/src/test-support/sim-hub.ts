// The entry point of a hub on a simulated cluster (see sim-cluster.ts): the real `hpchub start`
// with its configuration file, except that its spawner is the real Slurm spawner talking to a
// test's FakeSlurm through the bridge at SLURM_URL, and every hub user has a cluster account.
//   node --import tsx sim-hub.ts CONFIG_FILE SLURM_URL
import { RemoteSlurmClient } from '@hpchub/slurm/test-support';
import { processIo } from '../cli/io.js';
import { start } from '../cli/start.js';
import { loadConfig } from '../config/index.js';
import { simulatedClusterSpawner } from './sim-spawner.js';

const [configFile, slurmUrl] = process.argv.slice(2);
if (!configFile || !slurmUrl) throw new Error('usage: sim-hub.ts CONFIG_FILE SLURM_URL');
const { config, warnings } = loadConfig({ env: {}, file: configFile });
const spawner = simulatedClusterSpawner(new RemoteSlurmClient(slurmUrl), config.data_dir);
process.exitCode = await start({ config, warnings, io: processIo }, { spawner });
