// Doctor: Slurm answers the hub as configured — the Slurm commands (slurm.bin_dir, the
// controller they reach) or the slurm-gateway (its URL, pinned certificate and bearer token) —
// and has the partitions the spawn form offers. Submitting as a user is the test job's part.
import { type ClusterInfo, type SlurmClient, SlurmError } from '@hpchub/slurm';
import type { HubConfig } from '../config/index.js';
import { type Finding, fail, ok, warn } from './finding.js';

const CHECK = 'slurm';

/** What to do about a failed cluster query, by what failed. */
function fixFor(config: HubConfig, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  if (config.slurm.gateway_url) {
    if (/bearer token/i.test(message))
      return 'the gateway refused the token in slurm.gateway_token_file: put a token there that the gateway’s configuration lists (with the cluster, query, submit, cancel and list endpoints).';
    if (/fingerprint/i.test(message))
      return 'set slurm.gateway_fingerprint to the fingerprint the gateway prints when it starts.';
    return `check that hpchub-slurm-gateway runs and answers at ${config.slurm.gateway_url}, and that Slurm answers it.`;
  }
  if (/could not run|ENOENT|EACCES/.test(message))
    return `the Slurm commands are not where the hub looks: set slurm.bin_dir to their directory (now ${config.slurm.bin_dir || 'PATH'}).`;
  if (err instanceof SlurmError && err.kind === 'unavailable')
    return 'start slurmctld, or check that this machine reaches it (`scontrol ping`; SlurmctldHost and SlurmctldPort in slurm.conf, munge running).';
  return 'run `sinfo` as the hub’s account to see what Slurm says.';
}

function describe(info: ClusterInfo): string {
  const up = info.partitions.filter((p) => p.up);
  const names = info.partitions.map(
    (p) => `${p.name}${p.isDefault ? ' (default)' : ''}${p.up ? '' : ' (down)'}`,
  );
  return `${up.length} of ${info.partitions.length} partition(s) up: ${names.join(', ')}`;
}

export async function checkSlurm(config: HubConfig, client: SlurmClient): Promise<Finding[]> {
  const via = config.slurm.gateway_url
    ? `the slurm-gateway at ${config.slurm.gateway_url}`
    : 'the Slurm commands';
  let info: ClusterInfo;
  try {
    info = await client.clusterInfo();
  } catch (err) {
    return [fail(CHECK, `${via} did not answer: ${(err as Error).message}`, fixFor(config, err))];
  }
  const findings = [ok(CHECK, `${via} answer: ${describe(info)}.`)];
  const known = new Set(info.partitions.map((p) => p.name));
  const missing = config.slurm.partitions.filter((p) => !known.has(p));
  if (missing.length > 0)
    findings.push(
      fail(
        CHECK,
        `slurm.partitions names partitions Slurm does not have: ${missing.join(', ')}.`,
        `offer only existing partitions (${[...known].join(', ')}).`,
      ),
    );
  if (!info.partitions.some((p) => p.up))
    findings.push(
      warn(
        CHECK,
        'no partition is up: jobs will wait.',
        'bring a partition up (`scontrol update PartitionName=… State=UP`).',
      ),
    );
  return findings;
}
