// The hub's address as jobs reach it: `spawner.hub_url` when set, else the address the hub
// listens on, with a wildcard address (0.0.0.0, ::) replaced by this machine's name. The hub
// gives it to every job; `hpchub doctor` checks it from a test job.
import { hostname } from 'node:os';
import type { HubConfig } from './index.js';

/** `http(s)://host:port` of a hub listening on `ip` and `port`. */
export function listeningBaseUrl(ip: string, port: number, https: boolean): string {
  const host = ip === '0.0.0.0' || ip === '::' ? hostname() : ip.includes(':') ? `[${ip}]` : ip;
  return `${https ? 'https' : 'http'}://${host}:${port}`;
}

/** Base URL of the agent API that jobs are given (HPCHUB_AGENT_HUB_URL). */
export function agentApiUrl(config: HubConfig, listening: string): string {
  return `${(config.spawner.hub_url || listening).replace(/\/$/, '')}/hub/api/agent`;
}
