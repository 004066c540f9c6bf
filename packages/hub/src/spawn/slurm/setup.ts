// Puts the Slurm spawner together for a hub: the Slurm client from the `slurm` configuration (the
// command-line client, or the slurm-gateway's when `slurm.gateway_url` is set), the spawner, and the spawn form's fields for a user (whose groups decide which
// partitions they see).
import { readFileSync } from 'node:fs';
import { CliSlurmClient, GatewaySlurmClient, type SlurmClient, type SlurmObserver } from '@hpchub/slurm';
import type { Logger } from 'pino';
import type { AppField } from '../../apps/definition.js';
import { lookupSystemAccount } from '../../auth/system-account.js';
import type { HubConfig } from '../../config/index.js';
import type { HubContext } from '../../context.js';
import type { UserRow } from '../../db/schema.js';
import { groupsOfUsers } from '../../users/store.js';
import type { Spawner } from '../spawner.js';
import { ClusterCache, groupsMatter, partitionOffers, resourceFields } from './form.js';
import { slurmSettings } from './settings.js';
import { createSlurmSpawner } from './spawner.js';

export interface SlurmSpawning {
  /** The Slurm spawner, with the resource fields of the spawn form for a user and app. */
  spawner: Spawner & { formFields(user: UserRow, appId: string): Promise<AppField[]> };
  client: SlurmClient;
}

export function createSlurmSpawning(
  hub: HubContext,
  client?: SlurmClient,
  observer?: SlurmObserver,
): SlurmSpawning {
  const settings = slurmSettings(hub.config);
  const slurm = client ?? configuredSlurmClient(hub.config, hub.log, observer);
  const cluster = new ClusterCache(slurm, settings.cacheMs, hub.log);
  // The first spawn form then finds the partitions known.
  cluster.fill();
  const { ip } = hub.config;
  if (!hub.config.spawner.hub_url && (ip.startsWith('127.') || ip === '::1' || ip === 'localhost')) {
    // Fine on a one-node cluster (as in the tests); on a real one, agents on compute nodes must reach the hub.
    hub.log.warn(
      { ip },
      'the hub listens on loopback and spawner.hub_url is empty: jobs on other nodes cannot reach it',
    );
  }

  /** Hub groups, and with PAM the account's Unix groups (what Slurm's AllowGroups means). */
  async function groupsOf(user: UserRow): Promise<Set<string>> {
    const groups = new Set((await groupsOfUsers(hub.db, [user.id])).get(user.id) ?? []);
    if (hub.config.auth.authenticator === 'pam') {
      for (const g of (await lookupSystemAccount(user.name))?.groups ?? []) groups.add(g);
    }
    return groups;
  }

  const spawner = createSlurmSpawner({
    client: slurm,
    signalSeconds: settings.signalSeconds,
    stopTimeoutMs: settings.stopTimeoutMs,
    submitRetryMs: settings.submitRetryMs,
    hubId: hub.id,
    log: hub.log,
  });
  return {
    client: slurm,
    spawner: {
      ...spawner,
      async formFields(user, appId) {
        const info = await cluster.get();
        // The groups only when a partition admits by group: looking them up starts processes
        // (getent, id) that every start, whose options are checked against this form, waits for.
        const groups = groupsMatter(info, settings) ? await groupsOf(user) : new Set<string>();
        return resourceFields(partitionOffers(info, settings, groups), settings, appId);
      },
    },
  };
}

/**
 * The gateway's client when `slurm.gateway_url` is set (the hub then holds no Slurm rights), else
 * the CLI one, each telling `observer` (the hub's metrics) of every command or call. Also what
 * `hpchub doctor` checks Slurm with.
 */
export function configuredSlurmClient(
  config: HubConfig,
  log: Pick<Logger, 'info'>,
  observer?: SlurmObserver,
): SlurmClient {
  const settings = slurmSettings(config);
  const { gateway_url: url, gateway_token_file: tokenFile, gateway_fingerprint: fingerprint } = config.slurm;
  if (!url) {
    return new CliSlurmClient({
      userPrefix: settings.userPrefix,
      binDir: settings.binDir,
      timeoutMs: settings.timeoutMs,
      ...(observer ? { observer } : {}),
    });
  }
  if (!tokenFile) throw new Error('slurm.gateway_url is set but slurm.gateway_token_file is not');
  const token = readFileSync(tokenFile, 'utf8').trim();
  log.info({ url, pinned: fingerprint !== '' }, 'Slurm jobs go through the slurm-gateway');
  return new GatewaySlurmClient({
    url,
    token,
    fingerprint,
    timeoutMs: settings.timeoutMs,
    ...(observer ? { observer } : {}),
  });
}
