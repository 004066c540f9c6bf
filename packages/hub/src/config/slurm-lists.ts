// The three `slurm` options with a small syntax of their own (partition_limits,
// group_partitions, app_defaults), parsed in one place: config/options.ts checks them with these
// functions, so `hpchub config check` reports a mistake in them together with every other
// problem, and the Slurm spawner reads them with the same ones.

/** Resource fields of the spawn form, as named in user_options and SpawnRequest.resources. */
export const RESOURCE_KEYS = ['cores', 'memory_gb', 'gpus', 'hours'] as const;
export type ResourceKey = (typeof RESOURCE_KEYS)[number];

export type PartitionCaps = Partial<Record<ResourceKey, number>>;
export type AppDefaults = Partial<Record<ResourceKey, number>> & { partition?: string };

const NAME = /^[A-Za-z0-9._-]+$/;
const LIMIT_KEYS: Record<string, ResourceKey> = {
  max_cores: 'cores',
  max_memory_gb: 'memory_gb',
  max_gpus: 'gpus',
  max_hours: 'hours',
};

interface Parsed<T> {
  value: T;
  problems: string[];
}

/** `key=value` words into a map; problems for words of another shape. */
function pairs(words: string[], entry: string, problems: string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const word of words) {
    const m = /^([a-z_]+)=(\S+)$/.exec(word);
    if (m) out.set(m[1] as string, m[2] as string);
    else problems.push(`"${entry}": "${word}" is not key=value`);
  }
  return out;
}

function count(
  text: string,
  entry: string,
  key: string,
  min: number,
  problems: string[],
): number | undefined {
  if (/^\d{1,7}$/.test(text) && Number(text) >= min) return Number(text);
  problems.push(`"${entry}": ${key} must be a whole number of at least ${min}`);
  return undefined;
}

/** `gpu max_cores=16 max_hours=24` → gpu: {cores: 16, hours: 24}. */
export function parsePartitionLimits(entries: readonly string[]): Parsed<Map<string, PartitionCaps>> {
  const value = new Map<string, PartitionCaps>();
  const problems: string[] = [];
  for (const entry of entries) {
    const [partition = '', ...rest] = entry.trim().split(/\s+/);
    if (!NAME.test(partition) || rest.length === 0) {
      problems.push(`"${entry}" is not "PARTITION max_cores=N …"`);
      continue;
    }
    const caps: PartitionCaps = { ...value.get(partition) };
    for (const [key, text] of pairs(rest, entry, problems)) {
      const resource = LIMIT_KEYS[key];
      if (!resource) {
        problems.push(`"${entry}": unknown key ${key} (known: ${Object.keys(LIMIT_KEYS).join(', ')})`);
        continue;
      }
      const n = count(text, entry, key, resource === 'gpus' ? 0 : 1, problems);
      if (n !== undefined) caps[resource] = n;
    }
    value.set(partition, caps);
  }
  return { value, problems };
}

/** `physics: gpu bigmem` → gpu: {physics}, bigmem: {physics}: which groups may use a partition. */
export function parseGroupPartitions(entries: readonly string[]): Parsed<Map<string, Set<string>>> {
  const value = new Map<string, Set<string>>();
  const problems: string[] = [];
  for (const entry of entries) {
    const m = /^\s*([^\s:]+)\s*:\s*(.*)$/.exec(entry);
    const partitions = (m?.[2] ?? '').split(/\s+/).filter(Boolean);
    if (!m || partitions.length === 0 || !partitions.every((p) => NAME.test(p))) {
      problems.push(`"${entry}" is not "GROUP: PARTITION PARTITION…"`);
      continue;
    }
    for (const p of partitions) value.set(p, new Set([...(value.get(p) ?? []), m[1] as string]));
  }
  return { value, problems };
}

/** `jupyterlab cores=2 memory_gb=8 partition=short` → jupyterlab: {cores: 2, memory_gb: 8, partition: 'short'}. */
export function parseAppDefaults(entries: readonly string[]): Parsed<Map<string, AppDefaults>> {
  const value = new Map<string, AppDefaults>();
  const problems: string[] = [];
  for (const entry of entries) {
    const [app = '', ...rest] = entry.trim().split(/\s+/);
    if (!/^[a-z][a-z0-9-]{0,39}$/.test(app) || rest.length === 0) {
      problems.push(`"${entry}" is not "APP cores=N memory_gb=N …"`);
      continue;
    }
    const defaults: AppDefaults = { ...value.get(app) };
    for (const [key, text] of pairs(rest, entry, problems)) {
      if (key === 'partition') {
        if (NAME.test(text)) defaults.partition = text;
        else problems.push(`"${entry}": ${text} is not a partition name`);
      } else if ((RESOURCE_KEYS as readonly string[]).includes(key)) {
        const n = count(text, entry, key, key === 'gpus' ? 0 : 1, problems);
        if (n !== undefined) defaults[key as ResourceKey] = n;
      } else {
        problems.push(
          `"${entry}": unknown key ${key} (known: ${[...RESOURCE_KEYS, 'partition'].join(', ')})`,
        );
      }
    }
    value.set(app, defaults);
  }
  return { value, problems };
}
