// The `spawner` section: which spawner starts servers, the limits on starting them, and how the
// agent inside a job is run and reaches the hub.
import { Type } from '@sinclair/typebox';
import { oneOf, section, userList } from './declare.js';

export const SpawnerSection = section(
  'How servers are started: the spawner, its limits, and how jobs reach the hub.',
  {
    kind: oneOf(['local', 'slurm'] as const, {
      default: 'local',
      description:
        '`local`: servers run as processes on the hub machine (as the user when the hub runs as root ' +
        'and the account is a system account). `slurm`: servers run as Slurm jobs submitted as the user.',
    }),
    start_timeout_seconds: Type.Integer({
      minimum: 1,
      maximum: 86400,
      default: 300,
      description:
        'How long a server may take from running (for Slurm: from the moment the job starts, not ' +
        'while it waits in the queue) until its app answers. Past this the start fails and the job is stopped.',
    }),
    launch_wait_seconds: Type.Number({
      minimum: 0,
      maximum: 120,
      default: 10,
      description:
        'How long a start request waits for its job to be launched (a process started, a Slurm job ' +
        "submitted) before it answers that the start is pending, as JupyterHub's slow_spawn_timeout. " +
        "A launch refused within this time is the request's error; a launch that takes longer (sbatch " +
        'submitted again while the controller cannot be reached) goes on, and its progress says how it ends.',
    }),
    concurrent_spawns: Type.Integer({
      minimum: 1,
      default: 20,
      description:
        'Start slots: servers the hub starts at the same time. A start holds a slot while its job is ' +
        'launched and, once the job runs, until its app answers; a Slurm job waiting in Slurm’s queue ' +
        'holds none. Further starts wait in line (`start_line_max`), first come, first served.',
    }),
    start_line_max: Type.Integer({
      minimum: 0,
      maximum: 100000,
      default: 1000,
      description:
        'Starts that may wait in line for a free start slot; past this a start request gets 429 with a ' +
        'Retry-After from how fast the line moves. 0: no line, every start past `concurrent_spawns` is refused.',
    }),
    servers_per_user: Type.Integer({
      minimum: 1,
      maximum: 100,
      default: 4,
      description: 'Servers (the default one and named ones) a user may have at once, running or starting.',
    }),
    hub_url: Type.String({
      default: '',
      description:
        'The hub address that agents inside jobs connect to, e.g. `http://login1.cluster:8000`. ' +
        'Empty: the address the hub listens on (with `0.0.0.0` replaced by this host name). Agents ' +
        "reach an `http://` address over TLS, pinned to the hub's own certificate (the hub answers " +
        'TLS on its port too), so it must lead to the hub itself; an `https://` one (a reverse proxy) ' +
        'needs a certificate the nodes trust.',
    }),
    node_path: Type.String({
      minLength: 1,
      default: '/usr/bin/node',
      description: 'The Node.js (20 or newer) that runs the agent inside jobs, as every user can run it.',
    }),
    agent_dir: Type.String({
      default: '',
      description:
        'A directory every user can read (for Slurm: on a filesystem the compute nodes see) where the ' +
        'hub installs its agent. Empty: `<data_dir>/agent`.',
    }),
    path_prepend: userList(
      'Directories put in front of PATH in every job, e.g. where the apps are installed.',
    ),
    poll_interval_seconds: Type.Integer({
      minimum: 1,
      maximum: 600,
      default: 5,
      description:
        'How often the hub asks the spawner about all starting and running servers (one query for all).',
    }),
    local_user: Type.String({
      minLength: 1,
      default: 'hpchub-{user}',
      description:
        "When the hub runs as root, the Unix account that a hub-only account's servers (the `local` " +
        'authenticator) run as with the local spawner, so that no server ever runs as root. With ' +
        '`{user}`, each hub-only account runs as its own account (`hpchub-{user}`: alice as ' +
        'hpchub-alice, with a uid of at least `spawner.min_uid`), which the site creates; a start ' +
        'whose account does not exist is refused. Without `{user}`, all of them share the one ' +
        "account named and can read each other's files and reach each other's apps: only for a hub " +
        'with one user, or a demonstration.',
    }),
    min_uid: Type.Integer({
      minimum: 1,
      default: 1000,
      description:
        'Lowest Unix uid whose servers may run (PAM accounts); root and system accounts are refused.',
    }),
  },
);
