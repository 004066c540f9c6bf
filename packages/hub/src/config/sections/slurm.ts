// The `slurm` section: how the Slurm spawner submits jobs (directly or through a gateway) and what
// its spawn form offers. The list syntaxes are checked by CROSS_RULES in ../options.ts.
import { Type } from '@sinclair/typebox';
import { section, userList } from './declare.js';

export const SlurmSection = section(
  'The Slurm spawner (`spawner.kind: slurm`): how jobs are submitted, and what the spawn form offers.',
  {
    command_prefix: Type.String({
      default: '',
      pattern: '^(|.*\\{user\\}.*)$',
      errorMessage: 'empty, or words that contain {user}, e.g. `sudo -n -u {user}`',
      description:
        'Words put in front of `sbatch`, `scancel` and `sacct` to run them as the user, `{user}` ' +
        'standing for the account name; split at spaces, never given to a shell. Empty: ' +
        '`runuser -u {user} --` when the hub runs as root, `sudo -n -u {user}` otherwise (which needs ' +
        'a sudo rule allowing the hub to run those commands as users).',
    }),
    bin_dir: Type.String({
      default: '',
      description: 'Directory of the Slurm commands (`sbatch`, `squeue`…). Empty: found on PATH.',
    }),
    command_timeout_seconds: Type.Integer({
      minimum: 1,
      maximum: 600,
      default: 30,
      description:
        'How long one Slurm command may take. One that takes longer counts as "Slurm does not ' +
        'answer": servers are kept as they are, never marked stopped.',
    }),
    cluster_cache_seconds: Type.Integer({
      minimum: 0,
      default: 60,
      description: 'How long the partitions read with `sinfo` are reused for spawn forms.',
    }),
    partitions: userList(
      'Partitions the spawn form offers, in this order. Empty: every partition that is up. With ' +
        'more than one, users choose; with one, it is used without asking.',
    ),
    partition_limits: userList(
      'Lower limits per partition than the cluster’s, as `PARTITION key=value…` with the keys ' +
        '`max_cores`, `max_memory_gb`, `max_gpus` and `max_hours`, e.g. `gpu max_cores=16 max_hours=24`. ' +
        'The form never offers more than the cluster allows.',
    ),
    group_partitions: userList(
      'Which groups may use which partitions, as `GROUP: PARTITION PARTITION…`, e.g. ' +
        '`physics: gpu bigmem`. A partition named in any entry is offered only to members of the groups ' +
        'that name it (hub groups and, with PAM, Unix groups); the others are offered to everyone ' +
        '(within Slurm’s own AllowGroups).',
    ),
    accounts: userList(
      'Slurm accounts jobs may be charged to (`--account`). With two or more the form offers a ' +
        'choice; with one it is always used; with none, Slurm’s default account of the user is.',
    ),
    app_defaults: userList(
      'Form defaults per app, as `APP key=value…` with the keys `cores`, `memory_gb`, `gpus`, ' +
        '`hours` and `partition`, e.g. `jupyterlab cores=1 memory_gb=4 hours=4`. A user’s last ' +
        'choices for an app come first.',
    ),
    default_cores: Type.Integer({
      minimum: 1,
      default: 1,
      description: 'Cores the form proposes when neither the app nor the user’s last choice says.',
    }),
    default_memory_gb: Type.Integer({
      minimum: 1,
      default: 4,
      description: 'Total memory (GB) the form proposes by default.',
    }),
    default_hours: Type.Integer({
      minimum: 1,
      default: 4,
      description: 'Run time (hours) the form proposes by default.',
    }),
    max_hours: Type.Integer({
      minimum: 1,
      default: 24,
      description: 'Longest run time (hours) the form offers in partitions that have no time limit.',
    }),
    signal_seconds: Type.Integer({
      minimum: 0,
      maximum: 3600,
      default: 300,
      description:
        'Slurm sends the job SIGTERM this many seconds before its time limit (`--signal=B:TERM@N`), ' +
        'so the agent stops the app cleanly and the user is told the time limit was reached. 0: no warning.',
    }),
    stop_timeout_seconds: Type.Integer({
      minimum: 1,
      default: 60,
      description: 'How long stopping a server waits for Slurm to confirm that the job has left the queue.',
    }),
    submit_retry_seconds: Type.Integer({
      minimum: 0,
      maximum: 3600,
      default: 180,
      description:
        'When the Slurm controller cannot be reached at all (restarted, failing over), a start keeps ' +
        'submitting its job again, with growing pauses, for this many seconds before it fails, and its ' +
        'progress page says so. Only a submission that never reached the controller is sent again, so a ' +
        'start never makes two jobs. 0: a start fails at once.',
    }),
    gateway_url: Type.String({
      default: '',
      pattern: '^(|https://\\S+)$',
      errorMessage: 'empty, or an https URL such as `https://submit01:8443`',
      description:
        'Base URL of an `hpchub-slurm-gateway`. When set, the hub submits, queries and cancels jobs ' +
        'through it and needs no right to act as users (`command_prefix` and `bin_dir` are then unused). ' +
        'Empty: the hub runs the Slurm commands itself.',
    }),
    gateway_token_file: Type.String({
      default: '',
      description:
        'File holding the bearer token for the gateway (keep it readable by the hub only). Required with `gateway_url`.',
    }),
    gateway_fingerprint: Type.String({
      default: '',
      pattern: '^(|[0-9A-Fa-f]{64}|([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2})$',
      errorMessage: 'empty, or a SHA-256 fingerprint (64 hex digits, colons allowed)',
      description:
        'SHA-256 fingerprint of the gateway’s certificate, as the gateway prints it at start. Set: that ' +
        'certificate is pinned (self-signed is fine). Empty: the certificate must be trusted by the system CAs.',
    }),
  },
);
