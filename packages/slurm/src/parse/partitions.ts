// What one job may use in each partition: the largest node of the partition (from sinfo),
// capped by the partition's own per-node limits (from scontrol show partition).
import type { PartitionInfo } from '../client.js';
import type { PartitionLimits } from './scontrol.js';
import type { NodeLine } from './sinfo.js';

export function combinePartitions(nodes: NodeLine[], limits: PartitionLimits[]): PartitionInfo[] {
  return limits
    .filter((p) => !p.hidden)
    .map((p) => {
      const own = nodes.filter((n) => n.partition === p.name);
      const most = (pick: (n: NodeLine) => number) => own.reduce((m, n) => Math.max(m, pick(n)), 0);
      const cap = (value: number, max: number | null) => (max === null ? value : Math.min(value, max));
      return {
        name: p.name,
        isDefault: p.isDefault,
        up: p.up,
        maxCpusPerNode: cap(
          most((n) => n.cpus),
          p.maxCpusPerNode,
        ),
        maxMemoryMbPerNode: cap(
          most((n) => n.memoryMb),
          p.maxMemoryMbPerNode,
        ),
        maxGpusPerNode: most((n) => n.gpus),
        maxTimeSeconds: p.maxTimeSeconds,
        allowGroups: p.allowGroups,
        allowAccounts: p.allowAccounts,
        nodes: new Set(own.map((n) => n.node)).size,
      };
    });
}
