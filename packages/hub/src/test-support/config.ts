// The configuration every test hub starts from, in-process (hub.ts) or as the real process
// (hub-process.ts): its own data directory, any free port, debug logs.
import { type HubConfig, loadConfig } from '../config/index.js';

export function testHubConfig(dataDir: string): HubConfig {
  const { config } = loadConfig({
    env: {},
    flags: { 'data-dir': dataDir, port: '0', 'log-level': 'debug' },
  });
  // Tests provide their apps (spawner.path_prepend); never pip-install JupyterLab per test hub.
  config.apps.install_jupyter = false;
  // The tests' hub-only accounts (alice, bob, class-17 …) have no Unix accounts of their own
  // (spawner.local_user's default, hpchub-{user}, maps each to one); as root they share nobody,
  // a choice a site may make for a demonstration. The mapping itself is tested where it matters
  // (spawn/local/local.e2e.test.ts, the doctor, spawn/local/isolation).
  config.spawner.local_user = 'nobody';
  return config;
}
