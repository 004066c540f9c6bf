// The agent protocol: what the job script gives the agent, what the agent tells the hub, and
// how the hub's proxy talks to the agent. Closed schemas (no additional properties): the hub
// rejects anything else with 400, anything without a secret with 403, and a server it does not
// know with that secret with 404 (UNKNOWN_SERVER_CODE).
import { type Static, Type } from '@sinclair/typebox';

/** Header carrying the per-server secret: agent → hub on every message, hub → agent on every proxied request. */
export const AGENT_SECRET_HEADER = 'x-hpchub-agent-secret';

/**
 * The error code of the hub's answer to an agent whose server it does not know (no such server,
 * another secret, or a server that has stopped): the agent stops its app and exits, so that a
 * deleted user, a lost database or a forgotten job never leaves an app running.
 */
export const UNKNOWN_SERVER_CODE = 'unknown_server';

/** Environment variables the job script sets for the agent. */
export const AGENT_ENV = {
  /** Base URL of the hub's agent API, e.g. `http://10.0.0.1:8000/hub/api/agent`. */
  hubUrl: 'HPCHUB_AGENT_HUB_URL',
  /** SHA-256 fingerprint of the hub's certificate when the hub URL is https with a self-signed certificate (optional). */
  hubFingerprint: 'HPCHUB_AGENT_HUB_FINGERPRINT',
  /** The server's secret (random, 32 bytes base64url). Never logged. */
  secret: 'HPCHUB_AGENT_SECRET',
  /** The server's id in the hub (decimal). */
  serverId: 'HPCHUB_AGENT_SERVER_ID',
  /** JSON of AgentLaunchSpec. */
  spec: 'HPCHUB_AGENT_SPEC',
} as const;

/** Optional environment variables that tune where the agent listens and how often it reports. */
export const AGENT_TUNING_ENV = {
  /** Address the agent's TLS listener binds to (default 0.0.0.0; the local spawner may use 127.0.0.1). */
  bind: 'HPCHUB_AGENT_BIND',
  /** Port of the TLS listener (default 0: a free port, reported in `ready`). */
  port: 'HPCHUB_AGENT_PORT',
  /** Host name or address the hub should connect to, sent in `ready` (default: os.hostname()). */
  host: 'HPCHUB_AGENT_HOST',
  /** Seconds between heartbeats (default: the spec's `activity.reportSeconds`, else 60). */
  heartbeatSeconds: 'HPCHUB_AGENT_HEARTBEAT_SECONDS',
} as const;

/**
 * Set by the job script for the agent, about what the script prepared before it (the module
 * system, see job-modules.ts). The agent reports them to the hub before anything else and never
 * passes them on to the app.
 */
export const AGENT_JOB_ENV = {
  /** A step the script completed, for the progress log ("Modules loaded: gcc/12.2.0 …"). */
  progress: 'HPCHUB_AGENT_JOB_PROGRESS',
  /** Why the job cannot start the app (a module failed to load): the agent reports a failed start. */
  failure: 'HPCHUB_AGENT_JOB_FAILURE',
  /**
   * When the job script began (bash's $EPOCHREALTIME, seconds since the epoch): the agent logs it
   * with its own start, so that the time from the job running to the agent answering can be told
   * apart from the scheduler's (bench/spawn).
   */
  started: 'HPCHUB_AGENT_JOB_STARTED',
} as const;

/**
 * Where the agent learns whether the app is in use, beyond the requests passing through it:
 * `jupyter` asks Jupyter Server (`/api/status`, `/api/kernels`: last activity, kernels computing,
 * open connections), `code-server` reads code-server's heartbeat (`/healthz`), `traffic` is the
 * requests alone (TensorBoard, RStudio, site apps without anything better).
 */
export const AppActivitySourceSchema = Type.Union([
  Type.Literal('jupyter'),
  Type.Literal('code-server'),
  Type.Literal('traffic'),
]);
export type AppActivitySource = Static<typeof AppActivitySourceSchema>;

/** How the agent reaches the app it started. */
export const AppListenSchema = Type.Union([
  /** A unix socket in the job's private directory, mode 0600 (JupyterLab, code-server). */
  Type.Literal('unix'),
  /** A free TCP port on 127.0.0.1 (apps without unix-socket support, e.g. TensorBoard). */
  Type.Literal('tcp'),
]);

/**
 * A file or directory the agent writes into the job's private directory before it starts the
 * app: configuration the app's command names (RStudio Server's database.conf, its auth helper,
 * its secure cookie key). Paths start with `{workdir}/`; `content` takes the same placeholders
 * as the command.
 */
export const AppFileSchema = Type.Object(
  {
    path: Type.String({ pattern: '^\\{workdir\\}/[A-Za-z0-9._/{}:-]+$', maxLength: 500 }),
    /**
     * directory: 0700. file: `content`, 0600. executable: `content`, 0700. secret: 32 random
     * bytes as hex, 0600, new for every job (keys the app must keep to itself).
     */
    kind: Type.Union([
      Type.Literal('directory'),
      Type.Literal('file'),
      Type.Literal('executable'),
      Type.Literal('secret'),
    ]),
    content: Type.Optional(Type.String({ maxLength: 65536 })),
  },
  { additionalProperties: false },
);
export type AppFile = Static<typeof AppFileSchema>;

export const AgentLaunchSpecSchema = Type.Object(
  {
    /** Catalog id of the app, for logs and messages. */
    app: Type.String({ minLength: 1, maxLength: 64 }),
    /** Human-readable name of the app for progress messages ("Starting JupyterLab"); default: `app`. */
    title: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    /**
     * argv of the app. Placeholders the agent fills in: `{port}` (listen: tcp), `{socket}`
     * (listen: unix), `{prefix}` (the public URL prefix, e.g. /user/alice/lab/), `{prefix_path}`
     * (the same without its trailing slash, e.g. /user/alice/lab), `{token}` (a secret only the
     * agent knows), `{workdir}` (the job's private 0700 directory), `{user}` (the login name the
     * agent runs as) and `{option:NAME}` (a user option the hub validated). Any other text in
     * braces is left as it is; a placeholder that cannot be filled makes the spec invalid.
     */
    command: Type.Array(Type.String(), { minItems: 1 }),
    /** Extra environment for the app (same placeholders). */
    env: Type.Record(Type.String(), Type.String()),
    /** Files the agent writes into the job's private directory, in this order, before starting the app. */
    files: Type.Optional(Type.Array(AppFileSchema, { maxItems: 32 })),
    listen: AppListenSchema,
    /**
     * For listen: tcp. isolated: the app runs in a network namespace of its own (Linux user and
     * network namespaces, no privilege needed), so no other process on the node can reach its
     * port; the agent reaches it through a 0600 unix socket. host (the default): on the node's
     * loopback, where any local user can connect to it.
     */
    network: Type.Optional(Type.Union([Type.Literal('isolated'), Type.Literal('host')])),
    /** The public prefix this server is reached under: `/user/{name}/` or `/user/{name}/{server}/`. */
    prefix: Type.String({ pattern: '^/.*/$' }),
    /** keep: the app serves under the prefix itself; strip: the agent removes it before forwarding. */
    prefixMode: Type.Union([Type.Literal('keep'), Type.Literal('strip')]),
    /**
     * Path relative to the public prefix, starting with `/`, that answers 2xx/3xx when the app is
     * ready — the catalog's `ready_path`: `/api/status` means `{prefix}api/status` to an app that
     * keeps the prefix and `/api/status` to one that has it stripped. The agent requests it
     * through the same prefix handling and app auth as a forwarded request. form-login's `path`
     * is relative to the prefix in the same way.
     */
    readyPath: Type.String({ pattern: '^/' }),
    /** How the agent authenticates to the app on every forwarded request. */
    appAuth: Type.Union([
      Type.Object({ kind: Type.Literal('none') }),
      /** Adds `Authorization: token {token}` (Jupyter). */
      Type.Object({ kind: Type.Literal('token-header') }),
      /** Adds a header (value may contain `{token}`). */
      Type.Object({ kind: Type.Literal('header'), name: Type.String(), value: Type.String() }),
      /**
       * Signs in once through the app's login form (POST `path` with `fields` url-encoded, values
       * may contain `{token}`), keeps the cookies the app sets and adds them to every forwarded
       * request (RStudio Server with a per-job password).
       */
      Type.Object({
        kind: Type.Literal('form-login'),
        path: Type.String({ pattern: '^/' }),
        fields: Type.Record(Type.String(), Type.String()),
      }),
    ]),
    /** Seconds to wait for the app to answer readyPath before giving up. */
    startTimeoutSeconds: Type.Integer({ minimum: 1, maximum: 86400 }),
    /** The user options the hub validated, for `{option:NAME}` placeholders. */
    options: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])),
    /** Where activity comes from and how often the agent reports it (default: traffic, every 60 s). */
    activity: Type.Optional(
      Type.Object(
        {
          source: AppActivitySourceSchema,
          reportSeconds: Type.Integer({ minimum: 1, maximum: 3600 }),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * Serve a directory picker before starting the app, letting the user choose a directory
     * (inside `root`, relative to $HOME unless absolute) that fills `{option:NAME}`.
     */
    picker: Type.Optional(
      Type.Object(
        { option: Type.String(), root: Type.String(), title: Type.String() },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type AgentLaunchSpec = Static<typeof AgentLaunchSpecSchema>;

/** agent → hub, once: the app answers and the agent listens on TLS. */
export const AgentReadySchema = Type.Object(
  {
    /** Host name or address the hub should connect to (the compute node). */
    host: Type.String({ minLength: 1, maxLength: 253 }),
    port: Type.Integer({ minimum: 1, maximum: 65535 }),
    /** SHA-256 of the agent's DER certificate, hex, colon-free lower case (64 chars). */
    fingerprint: Type.String({ pattern: '^[0-9a-f]{64}$' }),
  },
  { additionalProperties: false },
);
export type AgentReady = Static<typeof AgentReadySchema>;

/** agent → hub: progress before ready ("starting jupyterlab", "waiting for the app to answer"). */
export const AgentProgressSchema = Type.Object(
  { message: Type.String({ minLength: 1, maxLength: 500 }) },
  { additionalProperties: false },
);
export type AgentProgress = Static<typeof AgentProgressSchema>;

/** What the app itself says about its use (see AppActivitySourceSchema), at the time of a heartbeat. */
export const AppActivitySchema = Type.Object(
  {
    /** The app's own last activity (Jupyter's `last_activity`, code-server's last heartbeat), or null. */
    last_activity: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    /** A kernel is computing (Jupyter: `execution_state` busy), browser or not. */
    busy: Type.Boolean(),
    /** Kernels running (Jupyter). */
    kernels: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Open connections to kernels (Jupyter) or to the app (code-server). */
    connections: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type AppActivity = Static<typeof AppActivitySchema>;

/**
 * agent → hub, periodically: last time a request passed through to the app (ISO 8601), or null;
 * and, for apps that say more, what the app reports (absent when it could not be asked).
 */
export const AgentHeartbeatSchema = Type.Object(
  {
    last_activity: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    app: Type.Optional(AppActivitySchema),
  },
  { additionalProperties: false },
);
export type AgentHeartbeat = Static<typeof AgentHeartbeatSchema>;

/** agent → hub: the agent is ending (SIGTERM, app exited, start failure), with why. */
export const AgentStoppingSchema = Type.Object(
  {
    reason: Type.Union([
      Type.Literal('signal'),
      Type.Literal('app_exited'),
      Type.Literal('app_failed_to_start'),
      Type.Literal('app_not_found'),
    ]),
    /** Exit code of the app when it exited by itself. */
    exit_code: Type.Optional(Type.Integer()),
    /** What a user can act on, e.g. the last lines the app printed. */
    message: Type.String({ maxLength: 4000 }),
  },
  { additionalProperties: false },
);
export type AgentStopping = Static<typeof AgentStoppingSchema>;

/** The hub's agent API paths, relative to the hub URL given in HPCHUB_AGENT_HUB_URL. */
export const AGENT_PATHS = {
  ready: (serverId: string) => `/servers/${serverId}/ready`,
  progress: (serverId: string) => `/servers/${serverId}/progress`,
  heartbeat: (serverId: string) => `/servers/${serverId}/heartbeat`,
  stopping: (serverId: string) => `/servers/${serverId}/stopping`,
} as const;
