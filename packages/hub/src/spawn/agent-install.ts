// Puts the agent where jobs can run it. Jobs run as the user (or, for Slurm, on other nodes), so
// the agent cannot be run from inside the hub's checkout or data directory as they are: the hub
// copies its bundled agent, named by content hash, into a directory every user can read.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HubConfig } from '../config/index.js';

/** The single-file agent built by `npm run build` (packages/agent/dist). */
export const AGENT_BUNDLE = fileURLToPath(new URL('../../../agent/dist/hpchub-agent.js', import.meta.url));

export function agentDir(config: HubConfig): string {
  return config.spawner.agent_dir || join(config.data_dir, 'agent');
}

/**
 * Lets other users pass through a directory to what is inside it (mode 0711: no listing), for a
 * data directory holding the agent or working directories of jobs that run as other users. Its
 * own files stay private (0600).
 */
export function makeTraversable(dir: string): void {
  const mode = statSync(dir).mode & 0o777;
  if ((mode & 0o111) !== 0o111) chmodSync(dir, mode | 0o111);
}

/**
 * Copies the agent bundle into the agent directory (once per version) and returns its path.
 * When that directory is inside the data directory, the data directory is made traversable
 * (0711) so other users can reach the agent, while its own files stay private (0600).
 */
export function installAgent(config: HubConfig, log: { info(o: object, m: string): void }): string {
  if (!existsSync(AGENT_BUNDLE)) {
    throw new Error(`The agent bundle ${AGENT_BUNDLE} is missing; build it with \`npm run build\`.`);
  }
  const body = readFileSync(AGENT_BUNDLE);
  const dir = agentDir(config);
  const target = join(dir, `hpchub-agent-${createHash('sha256').update(body).digest('hex').slice(0, 16)}.js`);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  if (!relative(config.data_dir, dir).startsWith('..')) makeTraversable(config.data_dir);
  if (!existsSync(target)) {
    copyFileSync(AGENT_BUNDLE, `${target}.tmp`);
    chmodSync(`${target}.tmp`, 0o644);
    // Renamed into place so a job never runs a half-written file.
    renameSync(`${target}.tmp`, target);
    log.info({ path: target }, 'agent installed for jobs');
  }
  return target;
}
