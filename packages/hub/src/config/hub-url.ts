// The hub's address as jobs reach it: `spawner.hub_url` when set, else the address the hub
// listens on, with a wildcard address (0.0.0.0, ::) replaced by this machine's name, reached over
// TLS. The hub gives it to every job; `hpchub doctor` checks it from a test job.
import { hostname } from 'node:os';
import type { HubConfig } from './index.js';

/** `http(s)://host:port` of a hub listening on `ip` and `port`. */
export function listeningBaseUrl(ip: string, port: number, https: boolean): string {
  const host = ip === '0.0.0.0' || ip === '::' ? hostname() : ip.includes(':') ? `[${ip}]` : ip;
  return `${https ? 'https' : 'http'}://${host}:${port}`;
}

/** Where jobs reach the agent API: HPCHUB_AGENT_HUB_URL and the fingerprint they pin. */
export interface AgentApiAddress {
  url: string;
  /** The hub's own certificate's, when jobs reach the hub itself over TLS (tls-too). */
  fingerprint: string | undefined;
}

/**
 * The agent API as jobs are given it. Agents never speak plain HTTP: an http:// address (the
 * hub's own, or `spawner.hub_url`) is reached over TLS at the same host and port, pinned to the
 * hub's own certificate, which the hub answers with on its port too; an https:// one (a reverse
 * proxy, or `tls.cert`) is checked against the nodes' CAs.
 */
export function agentApiAddress(
  config: HubConfig,
  listening: string,
  hubFingerprint: string,
): AgentApiAddress {
  const base = new URL(config.spawner.hub_url || listening);
  let fingerprint: string | undefined;
  if (base.protocol === 'http:') {
    const port = base.port || '80';
    base.protocol = 'https:';
    base.port = port;
    fingerprint = hubFingerprint;
  }
  return { url: `${base.toString().replace(/\/+$/, '')}/hub/api/agent`, fingerprint };
}
