// The `slurm` configuration section read into what the Slurm spawner and its form use.
import { defaultUserPrefix, parseUserPrefix } from '@hpchub/slurm';
import type { HubConfig } from '../../config/index.js';
import {
  type AppDefaults,
  type PartitionCaps,
  parseAppDefaults,
  parseGroupPartitions,
  parsePartitionLimits,
  type ResourceKey,
} from '../../config/slurm-lists.js';

export interface SlurmSettings {
  userPrefix: string[];
  binDir: string;
  timeoutMs: number;
  cacheMs: number;
  partitions: string[];
  partitionCaps: Map<string, PartitionCaps>;
  /** Partition → groups that may use it; partitions absent here are open to all. */
  partitionGroups: Map<string, Set<string>>;
  accounts: string[];
  defaults: Record<ResourceKey, number>;
  appDefaults: Map<string, AppDefaults>;
  maxHours: number;
  signalSeconds: number;
  stopTimeoutMs: number;
  submitRetryMs: number;
}

/**
 * How the hub runs a command as a user, as it runs the Slurm commands: `slurm.command_prefix`,
 * else runuser (a root hub) or `sudo -n -u {user}`.
 */
export function userCommandPrefix(config: HubConfig): string[] {
  return config.slurm.command_prefix ? parseUserPrefix(config.slurm.command_prefix) : defaultUserPrefix();
}

/** The settings of a validated configuration (config/load.ts has reported any problem already). */
export function slurmSettings(config: HubConfig): SlurmSettings {
  const s = config.slurm;
  return {
    userPrefix: userCommandPrefix(config),
    binDir: s.bin_dir,
    timeoutMs: s.command_timeout_seconds * 1000,
    cacheMs: s.cluster_cache_seconds * 1000,
    partitions: [...s.partitions],
    partitionCaps: parsePartitionLimits(s.partition_limits).value,
    partitionGroups: parseGroupPartitions(s.group_partitions).value,
    accounts: [...s.accounts],
    defaults: { cores: s.default_cores, memory_gb: s.default_memory_gb, gpus: 0, hours: s.default_hours },
    appDefaults: parseAppDefaults(s.app_defaults).value,
    maxHours: s.max_hours,
    signalSeconds: s.signal_seconds,
    stopTimeoutMs: s.stop_timeout_seconds * 1000,
    submitRetryMs: s.submit_retry_seconds * 1000,
  };
}
