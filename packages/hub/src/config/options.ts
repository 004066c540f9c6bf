// The single declaration of every hub option: key (the YAML nesting), type, default, constraints
// and description. Environment variables, flags, validation, `hpchub config` and docs/config.md
// are all derived from this schema, so a new section (spawner, slurm, apps…) is added here only.
//
// Conventions for a leaf: it carries `default` and `description`; a string with a `pattern` also
// carries `errorMessage` (what the user should write, as a phrase after "must be"), because a
// regular expression is not an explanation. Sections are objects with a description and no
// other keys than those declared.
import { type Static, type TLiteral, type TProperties, type TUnion, Type } from '@sinclair/typebox';
import { parseAppDefaults, parseGroupPartitions, parsePartitionLimits } from '../spawn/slurm/lists.js';

const section = <T extends TProperties>(description: string, properties: T) =>
  Type.Object(properties, { description, additionalProperties: false });

type Literals<V extends readonly string[]> = { -readonly [K in keyof V]: TLiteral<V[K]> };

const oneOf = <const V extends readonly string[]>(
  values: V,
  options: { default: V[number]; description: string },
) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    options,
  ) as TUnion<Literals<V>>;

const userList = (description: string) =>
  Type.Array(Type.String({ minLength: 1 }), { default: [], description });

export const HubConfigSchema = Type.Object(
  {
    ip: Type.String({
      minLength: 1,
      default: '127.0.0.1',
      description: 'Address the hub listens on. Use 0.0.0.0 (or ::) to listen on every interface.',
    }),
    port: Type.Integer({
      minimum: 0,
      maximum: 65535,
      default: 8000,
      description: 'TCP port the hub listens on; 0 picks a free port (the hub logs which).',
    }),
    data_dir: Type.String({
      minLength: 1,
      default: './hpchub-data',
      description:
        'Directory for the hub’s state: the SQLite database, the cookie secret and per-user working ' +
        'directories. A relative path is resolved against the current directory at start.',
    }),
    log: section('Logging.', {
      level: oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace'], {
        default: 'info',
        description: 'Least severe level that is logged.',
      }),
    }),
    db: section('The database holding users, tokens and servers.', {
      url: Type.String({
        default: '',
        pattern: '^(|sqlite::memory:|sqlite:/.+|postgres(ql)?://.+)$',
        errorMessage:
          'empty, sqlite:/absolute/path.sqlite, sqlite::memory:, or a postgres:// or postgresql:// URL',
        description:
          'Database URL. Empty means the SQLite file `<data_dir>/hpchub.sqlite`. ' +
          '`sqlite::memory:` keeps everything in memory and is lost at exit (tests only).',
      }),
    }),
    tls: section('HTTPS. Without a certificate the hub speaks plain HTTP (put it behind a TLS proxy).', {
      cert: Type.String({ default: '', description: 'Path of the PEM certificate chain.' }),
      key: Type.String({ default: '', description: 'Path of the PEM private key.' }),
    }),
    auth: section('Who may log in and how.', {
      authenticator: oneOf(['local', 'pam'], {
        default: 'local',
        description:
          '`local` checks passwords stored (hashed) in the hub database; `pam` checks them with the ' +
          'system’s PAM stack, so users log in with their cluster account.',
      }),
      admin_users: userList('Users who are administrators. They may always log in.'),
      allowed_users: userList('Users who may log in when `auth.allow_all` is false.'),
      blocked_users: userList('Users who may never log in, whatever the other lists say.'),
      allowed_groups: userList(
        'Members of these groups may log in when `auth.allow_all` is false (groups as reported by ' +
          'the authenticator, e.g. Unix groups with PAM).',
      ),
      allow_all: Type.Boolean({
        default: true,
        description:
          'Whether every user the authenticator accepts may log in. When false, only ' +
          '`auth.admin_users`, `auth.allowed_users` and members of `auth.allowed_groups` may.',
      }),
      rate_limit: section('Brute-force protection for the login form.', {
        max_failures_per_user: Type.Integer({
          minimum: 1,
          default: 5,
          description: 'Failed logins for one username within the window before that username is locked out.',
        }),
        max_failures_per_address: Type.Integer({
          minimum: 1,
          default: 20,
          description: 'Failed logins from one client address within the window before it is locked out.',
        }),
        window_seconds: Type.Integer({
          minimum: 1,
          default: 600,
          description: 'Length of the window in which failures are counted, in seconds.',
        }),
        lockout_seconds: Type.Integer({
          minimum: 1,
          default: 600,
          description: 'How long a locked-out username or address must wait, in seconds.',
        }),
      }),
      pam: section('Options of the `pam` authenticator.', {
        service: Type.String({
          minLength: 1,
          default: 'login',
          description: 'PAM service name, i.e. the file in /etc/pam.d/ that is used.',
        }),
        require_home: Type.Boolean({
          default: true,
          description:
            'Refuse a login whose account has no home directory yet, with a message saying so, ' +
            'instead of failing later when a server starts.',
        }),
      }),
    }),
    session: section('Browser sessions.', {
      max_age_seconds: Type.Integer({
        minimum: 60,
        default: 1209600,
        description: 'How long a login lasts, in seconds (default 14 days).',
      }),
      cookie_secure: oneOf(['auto', 'always', 'never'], {
        default: 'auto',
        description:
          'Whether the session cookie is marked Secure. `auto` marks it when the request came over ' +
          'HTTPS (directly, or through a proxy that says so).',
      }),
    }),
    api: section('The REST API.', {
      page_default_limit: Type.Integer({
        minimum: 1,
        maximum: 1000,
        default: 50,
        description: 'Items per page when a request does not say `limit`.',
      }),
      page_max_limit: Type.Integer({
        minimum: 1,
        maximum: 10000,
        default: 200,
        description: 'Largest `limit` a request may ask for.',
      }),
    }),
    spawner: section('How servers are started: the spawner, its limits, and how jobs reach the hub.', {
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
      concurrent_spawns: Type.Integer({
        minimum: 1,
        default: 20,
        description:
          'Servers starting at the same time, hub-wide; more start requests get 429 with Retry-After.',
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
          'Empty: the address the hub listens on (with `0.0.0.0` replaced by this host name).',
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
        default: 'nobody',
        description:
          'When the hub runs as root, the Unix account that servers of hub-only accounts (the `local` ' +
          'authenticator) run as with the local spawner, so that no server ever runs as root. They all ' +
          'share it: use PAM accounts where users must be kept apart.',
      }),
      min_uid: Type.Integer({
        minimum: 1,
        default: 1000,
        description:
          'Lowest Unix uid whose servers may run (PAM accounts); root and system accounts are refused.',
      }),
    }),
    slurm: section(
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
          description:
            'How long stopping a server waits for Slurm to confirm that the job has left the queue.',
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
    ),
    apps: section(
      'The app catalog: which apps users can start, and where site-specific definitions come from.',
      {
        enabled: Type.Array(Type.String({ minLength: 1 }), {
          default: ['jupyterlab', 'notebook', 'code-server', 'tensorboard', 'rstudio'],
          description: 'Catalog ids offered to users, in this order (built-in ids or ids from `apps.file`).',
        }),
        file: Type.String({
          default: '',
          description:
            'A YAML file with app definitions that add to or replace the built-in ones (see docs/apps.md). Empty: built-ins only.',
        }),
        install_jupyter: Type.Boolean({
          default: true,
          description:
            'With the local spawner: when JupyterLab is not found on the jobs’ PATH, install JupyterLab and ' +
            'Notebook from PyPI into `<data_dir>/venv` at start (once, about a minute), so a first ' +
            '`npm start` can run notebooks. Sites with their own Jupyter installation turn this off.',
        }),
      },
    ),
    site: section(
      'How the pages look: the site name, a logo, the accent colour and a footer, without editing templates.',
      {
        name: Type.String({
          minLength: 1,
          maxLength: 60,
          default: 'hpchub',
          description: 'The name shown in the page header and in every page title, e.g. `Euler JupyterHub`.',
        }),
        logo_file: Type.String({
          default: '',
          pattern: '^(|.*\\.(png|svg|jpg|jpeg|webp|gif|PNG|SVG|JPG|JPEG|WEBP|GIF))$',
          errorMessage: 'empty, or the path of a .png, .svg, .jpg, .webp or .gif file',
          description:
            'An image shown before the site name (at most 1 MiB), read once at start and served by the hub ' +
            'itself (the pages load nothing from other sites). Empty: no logo.',
        }),
        accent_colour: Type.String({
          default: '#1f5fa8',
          pattern: '^#[0-9a-fA-F]{6}$',
          errorMessage: 'a colour written as #rrggbb, e.g. #1f5fa8',
          description:
            'The colour of buttons, links and focus rings. Button text becomes white or black, whichever ' +
            'reads better, and links use a shade darkened until it is readable (WCAG AA).',
        }),
        footer: Type.String({
          default: '',
          maxLength: 1000,
          description:
            'One line of Markdown shown at the bottom of every page, e.g. `Help: [docs](https://…) · ' +
            '[support](mailto:…)`. Only emphasis, `code` and http(s)/mailto links are kept; HTML is shown as text.',
        }),
      },
    ),
    tokens: section('API tokens.', {
      max_expires_in_seconds: Type.Integer({
        minimum: 0,
        default: 0,
        description: 'Longest lifetime a user may give a new token, in seconds; 0 means no maximum.',
      }),
    }),
    proxy: section('The authenticating proxy in front of users’ servers (`/user/<name>/<server>/…`).', {
      admin_access: Type.Boolean({
        default: false,
        description: 'Whether administrators may open other users’ servers.',
      }),
      auth_cache_seconds: Type.Integer({
        minimum: 0,
        maximum: 300,
        default: 10,
        description:
          'How long the proxy remembers who a session cookie or API token belongs to, and whom a ' +
          'server is shared with, instead of asking the database on every request. Logging out takes ' +
          'effect at once; a revoked token, a blocked user or a withdrawn share within this time. ' +
          '0 asks the database every time.',
      }),
      activity_flush_seconds: Type.Integer({
        minimum: 1,
        default: 60,
        description:
          'How often the last activity of servers (for idle culling) is written to the database; at ' +
          'most one write per server per interval.',
      }),
      connect_timeout_seconds: Type.Integer({
        minimum: 1,
        default: 10,
        description: 'How long the proxy waits for a connection (and TLS handshake) to a server.',
      }),
      idle_timeout_seconds: Type.Integer({
        minimum: 0,
        default: 300,
        description:
          'An HTTP request to a server on which nothing moves for this long is cut off (long ' +
          'polls and event streams must send something more often). 0 means no limit.',
      }),
      websocket_idle_timeout_seconds: Type.Integer({
        minimum: 0,
        default: 0,
        description:
          'A WebSocket on which nothing moves either way for this long is closed. 0 means no limit ' +
          '(a quiet notebook stays connected).',
      }),
      upstream_max_sockets: Type.Integer({
        minimum: 1,
        default: 256,
        description:
          'Connections the proxy opens at most to one server at once (WebSockets not counted); ' +
          'further requests wait for a free one.',
      }),
      upstream_max_free_sockets: Type.Integer({
        minimum: 0,
        default: 64,
        description: 'Idle keep-alive connections the proxy keeps open to one server for reuse.',
      }),
      upstream_keep_alive_seconds: Type.Integer({
        minimum: 1,
        default: 30,
        description: 'How long an idle keep-alive connection to a server is kept before it is closed.',
      }),
      max_header_bytes: Type.Integer({
        minimum: 1024,
        maximum: 1048576,
        default: 16384,
        description:
          'Largest request or response head (request line and headers) the hub accepts, in bytes; ' +
          'larger ones get 431. Applies to every request to the hub.',
      }),
      headers_timeout_seconds: Type.Integer({
        minimum: 1,
        default: 60,
        description:
          'How long a client may take to send the head of a request. Applies to every request to the hub.',
      }),
      request_timeout_seconds: Type.Integer({
        minimum: 0,
        default: 3600,
        description:
          'How long a client may take to send one whole request, body included (large uploads ' +
          'need time). 0 means no limit. Applies to every request to the hub.',
      }),
      keep_alive_timeout_seconds: Type.Integer({
        minimum: 1,
        default: 75,
        description:
          'How long an idle keep-alive connection from a browser is kept open. Applies to every ' +
          'connection to the hub.',
      }),
      max_requests_per_connection: Type.Integer({
        minimum: 0,
        default: 0,
        description:
          'Requests a client may send on one keep-alive connection before the hub closes it; 0 means ' +
          'no limit. Applies to every connection to the hub.',
      }),
    }),
  },
  { additionalProperties: false },
);

export type HubConfig = Static<typeof HubConfigSchema>;

/**
 * A constraint between several options, which a schema cannot express. `check` runs only when
 * every key in `keys` passed its own validation, and returns one message per offending key.
 */
export interface CrossRule {
  keys: string[];
  /** Shown in docs/config.md under each of `keys`. */
  description: string;
  check(config: HubConfig): { key: string; message: string }[];
}

/** A rule for one `slurm` list with a syntax of its own: every entry that does not parse is reported. */
function listSyntax(
  key: 'partition_limits' | 'group_partitions' | 'app_defaults',
  description: string,
  parse: (entries: readonly string[]) => { problems: string[] },
): CrossRule {
  return {
    keys: [`slurm.${key}`],
    description,
    check: (config) => parse(config.slurm[key]).problems.map((message) => ({ key: `slurm.${key}`, message })),
  };
}

export const CROSS_RULES: CrossRule[] = [
  listSyntax(
    'partition_limits',
    'Each entry is `PARTITION key=value…` with the keys `max_cores`, `max_memory_gb`, `max_gpus`, `max_hours`.',
    parsePartitionLimits,
  ),
  listSyntax('group_partitions', 'Each entry is `GROUP: PARTITION PARTITION…`.', parseGroupPartitions),
  listSyntax(
    'app_defaults',
    'Each entry is `APP key=value…` with the keys `cores`, `memory_gb`, `gpus`, `hours`, `partition`.',
    parseAppDefaults,
  ),
  {
    keys: ['tls.cert', 'tls.key'],
    description: '`tls.cert` and `tls.key` are set together or not at all.',
    check: ({ tls }) => {
      if (tls.cert !== '' && tls.key === '')
        return [{ key: 'tls.key', message: 'must be set because tls.cert is set' }];
      if (tls.key !== '' && tls.cert === '')
        return [{ key: 'tls.cert', message: 'must be set because tls.key is set' }];
      return [];
    },
  },
  {
    keys: ['api.page_default_limit', 'api.page_max_limit'],
    description: '`api.page_default_limit` must not exceed `api.page_max_limit`.',
    check: ({ api }) =>
      api.page_default_limit > api.page_max_limit
        ? [
            {
              key: 'api.page_default_limit',
              message: `must not exceed api.page_max_limit (${api.page_max_limit}); got ${api.page_default_limit}`,
            },
          ]
        : [],
  },
];
