// The Slurm spawner's fields of the spawn form, built from the cluster (partitions and what one
// job may use in each, read with sinfo and cached for a minute) and from configuration (which
// partitions, lower limits, group restrictions, accounts, defaults per app).
//
// Limits that depend on the chosen partition are declared on each field (`limits_by`), so the
// same description serves the web form and the server-side check in validateOptions.
import type { ClusterInfo, PartitionInfo, SlurmClient } from '@hpchub/slurm';
import type { AppField } from '../../apps/definition.js';
import type { ResourceKey } from '../../config/slurm-lists.js';
import { HubError } from '../../errors/index.js';
import type { SlurmSettings } from './settings.js';

/** What one job may ask for in a partition, in the form's units. */
export interface PartitionOffer extends Record<ResourceKey, number> {
  name: string;
  isDefault: boolean;
}

const MB_PER_GB = 1024;

/** Whether some partition admits only some groups (Slurm's AllowGroups, or `slurm.group_partitions`). */
export function groupsMatter(cluster: ClusterInfo, settings: SlurmSettings): boolean {
  return settings.partitionGroups.size > 0 || cluster.partitions.some((p) => p.allowGroups !== null);
}

/** The partitions `groups` may use, with the most a job may ask for in each. */
export function partitionOffers(
  cluster: ClusterInfo,
  settings: SlurmSettings,
  groups: ReadonlySet<string>,
): PartitionOffer[] {
  const byName = new Map(cluster.partitions.map((p) => [p.name, p]));
  const candidates: PartitionInfo[] =
    settings.partitions.length > 0
      ? settings.partitions.flatMap((name) => byName.get(name) ?? [])
      : cluster.partitions;
  const member = (allowed: Iterable<string>) => [...allowed].some((g) => groups.has(g));
  return (
    candidates
      .filter((p) => p.up)
      .filter((p) => p.allowGroups === null || member(p.allowGroups))
      .filter(
        (p) => !settings.partitionGroups.has(p.name) || member(settings.partitionGroups.get(p.name) ?? []),
      )
      .map((p) => {
        const caps = settings.partitionCaps.get(p.name) ?? {};
        const cap = (key: ResourceKey, value: number) => Math.min(value, caps[key] ?? value);
        return {
          name: p.name,
          isDefault: p.isDefault,
          cores: cap('cores', p.maxCpusPerNode),
          memory_gb: cap('memory_gb', Math.floor(p.maxMemoryMbPerNode / MB_PER_GB)),
          gpus: cap('gpus', p.maxGpusPerNode),
          hours: cap(
            'hours',
            p.maxTimeSeconds === null ? settings.maxHours : Math.floor(p.maxTimeSeconds / 3600),
          ),
        };
      })
      // A partition where a job cannot get one core, 1 GB and an hour has nothing to offer here.
      .filter((o) => o.cores >= 1 && o.memory_gb >= 1 && o.hours >= 1)
  );
}

const LABELS: Record<ResourceKey, { label: string; help: string; minimum: number }> = {
  cores: { label: 'Number of cores', help: 'CPU cores reserved for the job.', minimum: 1 },
  gpus: { label: 'Number of GPUs', help: 'GPUs reserved for the job.', minimum: 0 },
  memory_gb: { label: 'Total memory (GB)', help: 'Memory for the whole job.', minimum: 1 },
  hours: {
    label: 'Run time (hours)',
    help: 'The job ends after this time; the app is warned a few minutes before.',
    minimum: 1,
  },
};

/** The form fields for an app, given the partitions the user may use. */
export function resourceFields(offers: PartitionOffer[], settings: SlurmSettings, appId: string): AppField[] {
  if (offers.length === 0) {
    throw new HubError(
      'account_unusable',
      'No partition of the cluster is open to your account. Ask the cluster administrators.',
    );
  }
  const wanted = settings.appDefaults.get(appId) ?? {};
  const chosen =
    offers.find((o) => o.name === wanted.partition) ??
    offers.find((o) => o.isDefault) ??
    (offers[0] as PartitionOffer);
  const fields: AppField[] = [
    {
      name: 'partition',
      type: 'choice',
      label: 'Partition',
      help: 'The part of the cluster the job runs in; the limits below depend on it.',
      choices: offers.map((o) => o.name),
      default: chosen.name,
    },
  ];
  if (settings.accounts.length > 0) {
    fields.push({
      name: 'account',
      type: 'choice',
      label: 'Account',
      help: 'The Slurm account the job is charged to.',
      choices: [...settings.accounts],
      default: settings.accounts[0] as string,
    });
  }
  for (const key of ['cores', 'gpus', 'memory_gb', 'hours'] as const satisfies readonly ResourceKey[]) {
    const { label, help, minimum } = LABELS[key];
    const proposed = wanted[key] ?? settings.defaults[key];
    fields.push({
      name: key,
      type: 'integer',
      label,
      help,
      minimum,
      maximum: Math.max(minimum, ...offers.map((o) => o[key])),
      // The default fits the default partition, so an untouched form is always valid.
      default: Math.max(minimum, Math.min(proposed, chosen[key])),
      limits_by: { field: 'partition', maximum: Object.fromEntries(offers.map((o) => [o.name, o[key]])) },
    });
  }
  return fields;
}

/**
 * Cluster information, asked of Slurm at most once per `cacheMs`. Past that time the last copy
 * still answers at once while a fresh one is asked for, so no form or start waits for `sinfo`
 * once one answer is known; only the first ever (fill() at the hub's start makes it early) does.
 * A stale copy beats an outage.
 */
export class ClusterCache {
  private cached: { at: number; info: ClusterInfo } | undefined;
  private loading: Promise<ClusterInfo> | undefined;

  constructor(
    private readonly client: SlurmClient,
    private readonly cacheMs: number,
    private readonly log?: { warn(o: object, m: string): void },
  ) {}

  async get(): Promise<ClusterInfo> {
    const cached = this.cached;
    if (cached && Date.now() - cached.at < this.cacheMs) return cached.info;
    const loading = this.refresh();
    if (cached) {
      loading.catch(() => {}); // logged in refresh()
      return cached.info;
    }
    try {
      return await loading;
    } catch {
      throw new HubError('unavailable', 'The cluster does not answer right now; try again in a minute.');
    }
  }

  /** Asks for the cluster information ahead of the first form (a failure is only logged). */
  fill(): void {
    if (!this.cached) this.refresh().catch(() => {});
  }

  /** One question to Slurm at a time; a failure while a copy is known is logged, and the copy kept. */
  private refresh(): Promise<ClusterInfo> {
    this.loading ??= this.client
      .clusterInfo()
      .then((info) => {
        this.cached = { at: Date.now(), info };
        return info;
      })
      .catch((err: unknown) => {
        if (this.cached)
          this.log?.warn(
            { err: (err as Error).message },
            'cannot read the partitions; using the last known ones',
          );
        throw err;
      })
      .finally(() => {
        this.loading = undefined;
      });
    return this.loading;
  }
}
