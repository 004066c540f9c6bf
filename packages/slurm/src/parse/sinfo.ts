// sinfo --Node: one line per node and partition, with the node's CPUs, memory and generic
// resources, from which the most one job can use per partition is worked out.
import { records } from './fields.js';

/** partition, node, CPUs, memory (MB), gres, state. */
export const SINFO_FORMAT = '%R|%N|%c|%m|%G|%T';

export interface NodeLine {
  partition: string;
  node: string;
  cpus: number;
  memoryMb: number;
  gpus: number;
  state: string;
}

/**
 * GPUs in a gres string: `gpu:4`, `gpu:a100:4(S:0-1)`, `gpu:2,mps:100`, `(null)` → 4, 4, 2, 0.
 * Several gpu entries (two GPU types on one node) are added up.
 */
export function gpusOf(gres: string): number {
  let total = 0;
  for (const entry of gres.split(/,(?![^(]*\))/)) {
    const m = /^gpu(?::[^:(]+)?:(\d+)/.exec(entry.trim());
    if (m) total += Number(m[1]);
  }
  return total;
}

export function parseSinfoNodes(stdout: string): NodeLine[] {
  return records(stdout, 6).flatMap(([partition, node, cpus, memory, gres, state]) => {
    const p = (partition ?? '').trim();
    const n = (node ?? '').trim();
    if (!p || !n) return [];
    return [
      {
        partition: p,
        node: n,
        // Heterogeneous groups print "2+"; one line per node never should, but read it anyway.
        cpus: Number.parseInt(cpus ?? '0', 10) || 0,
        memoryMb: Number.parseInt(memory ?? '0', 10) || 0,
        gpus: gpusOf(gres ?? ''),
        state: (state ?? '').trim(),
      },
    ];
  });
}
