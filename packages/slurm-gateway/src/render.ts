// What the gateway reads out of scripts: the partitions a raw script asks for, to hold them to
// the allowed list. Structured jobs are rendered by @hpchub/slurm's renderBatchScript, the same
// renderer the hub uses when it submits itself.
/** Partitions a raw script asks for in its `#SBATCH` lines (-p/--partition), to hold them to the allowed list. */
export function scriptPartitions(script: string): string[] {
  const found: string[] = [];
  for (const line of script.split('\n')) {
    if (!/^#SBATCH\s/.test(line)) continue;
    for (const m of line.matchAll(/(?:^|\s)(?:--partition(?:=|\s+)|-p\s*)(\S+)/g))
      found.push(...(m[1] ?? '').split(','));
  }
  return found;
}
