// Models of the hub's REST API (/hub/api), shaped like JupyterHub's so its clients feel at home.
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { ErrorBodySchema } from './errors.js';

const Timestamp = Type.String({ format: 'date-time' });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);

export const UsernameSchema = Type.String({
  minLength: 1,
  maxLength: 32,
  description: 'Lower-case letters, digits, "_", "." and "-"; starts with a letter, digit or "_".',
});

export const UserSchema = Type.Object(
  {
    kind: Type.Literal('user'),
    name: Type.String(),
    admin: Type.Boolean(),
    blocked: Type.Boolean(),
    groups: Type.Array(Type.String()),
    /** URL of the default server when it is ready, else null (JupyterHub semantics). */
    server: Type.Union([Type.String(), Type.Null()]),
    /** 'spawn' or 'stop' while the default server is changing state, else null. */
    pending: Type.Union([Type.String(), Type.Null()]),
    created: Timestamp,
    last_activity: NullableTimestamp,
    servers: Type.Record(Type.String(), Type.Unknown()),
  },
  { $id: 'User' },
);
export type UserModel = Static<typeof UserSchema>;

export const TokenSchema = Type.Object(
  {
    kind: Type.Literal('api_token'),
    id: Type.String(),
    user: Type.String(),
    note: Type.String(),
    scopes: Type.Array(Type.String()),
    /** The first characters of the token, to tell tokens apart. */
    prefix: Type.String(),
    created: Timestamp,
    expires_at: NullableTimestamp,
    last_activity: NullableTimestamp,
  },
  { $id: 'Token' },
);
export type TokenModel = Static<typeof TokenSchema>;

export const NewTokenSchema = Type.Object(
  { ...TokenSchema.properties, token: Type.String({ description: 'The token; shown only once.' }) },
  { $id: 'NewToken' },
);
export type NewTokenModel = Static<typeof NewTokenSchema>;

export const GroupSchema = Type.Object(
  {
    kind: Type.Literal('group'),
    name: Type.String(),
    description: Type.String(),
    users: Type.Array(Type.String()),
  },
  { $id: 'Group' },
);
export type GroupModel = Static<typeof GroupSchema>;

/** JupyterHub's paginated list (when the client sends Accept: application/jupyterhub-pagination+json). */
/** `item` must be a schema with an $id that the server registers (it is referenced, not copied). */
export function Paginated<T extends TSchema>(item: T, id: string) {
  return Type.Object(
    {
      items: Type.Array(Type.Ref(item)),
      _pagination: Type.Object({
        offset: Type.Integer(),
        limit: Type.Integer(),
        total: Type.Integer(),
        next: Type.Union([
          Type.Object({ offset: Type.Integer(), limit: Type.Integer(), url: Type.String() }),
          Type.Null(),
        ]),
      }),
    },
    { $id: id },
  );
}

export const PAGINATION_MEDIA_TYPE = 'application/jupyterhub-pagination+json';

/**
 * One event of a start's progress stream (server-sent events, JupyterHub's fields): the
 * percentage, a message in text and HTML, and at the end `ready` with the server's `url`, or
 * `failed`. While a Slurm job waits, `queue` has Slurm's reason and estimated start; while the
 * start waits in the hub's line for a start slot, `line` has its place (0 once its turn came).
 */
export const ProgressEventSchema = Type.Object(
  {
    progress: Type.Number({ minimum: 0, maximum: 100 }),
    message: Type.String(),
    html_message: Type.String(),
    ready: Type.Optional(Type.Boolean()),
    failed: Type.Optional(Type.Boolean()),
    url: Type.Optional(Type.String()),
    queue: Type.Optional(
      Type.Object({ reason: Type.Optional(Type.String()), estimated_start: Type.Optional(Type.String()) }),
    ),
    line: Type.Optional(
      Type.Object(
        { position: Type.Integer({ minimum: 0 }) },
        {
          description:
            'The place in the hub’s line for a start slot (1 = next); 0 once it is the start’s turn.',
        },
      ),
    ),
  },
  { $id: 'ProgressEvent' },
);
export type ProgressEventModel = Static<typeof ProgressEventSchema>;

/** One server-sent event of a progress stream, as OpenAPI 3.0 can say it: its data is a ProgressEvent in JSON. */
export const ProgressStreamEventSchema = Type.Object({
  data: Type.String({ description: 'A ProgressEvent (see the schema of that name), as JSON.' }),
  event: Type.Optional(Type.String()),
  id: Type.Optional(Type.String()),
  retry: Type.Optional(Type.Integer()),
});

/** A user's server, as JupyterHub describes it, with hpchub's additions (app, status, end). */
export const ServerSchema = Type.Object(
  {
    name: Type.String(),
    app: Type.String(),
    /** pending | running | stopping | stopped */
    status: Type.String(),
    ready: Type.Boolean(),
    stopped: Type.Boolean(),
    /** 'spawn' while starting, 'stop' while stopping, else null. */
    pending: Type.Union([Type.String(), Type.Null()]),
    url: Type.String(),
    progress_url: Type.String(),
    started: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    last_activity: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    user_options: Type.Record(Type.String(), Type.Unknown()),
    /** Why the server last ended (user_stop, time_limit, start_failure…), and what to tell the user. */
    end_reason: Type.Union([Type.String(), Type.Null()]),
    end_detail: Type.Union([Type.String(), Type.Null()]),
    line_position: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
      description:
        'While the start waits in the hub’s line for a free start slot: its place (1 = next). ' +
        'Null once it has a slot, and for servers that are not starting. `pending` is `spawn` throughout.',
    }),
    ends: Type.Union(
      [
        Type.Object({
          at: Type.String({ format: 'date-time' }),
          why: Type.Union([Type.Literal('time_limit'), Type.Literal('idle'), Type.Literal('max_age')]),
        }),
        Type.Null(),
      ],
      {
        description:
          'For a running server: when it will end if nothing changes, and why — the job’s time limit, ' +
          'the idle culler (moves with every use) or the maximum age, whichever comes first. Null when nothing ends it.',
      },
    ),
  },
  { $id: 'Server' },
);
export type ServerModel = Static<typeof ServerSchema>;

/** A server as a share shows it (JupyterHub 5's truncated server model). */
const SharedServerSchema = Type.Object({
  user: Type.Object({ name: Type.String() }),
  name: Type.String({ description: "'' for the default server." }),
  url: Type.String(),
  ready: Type.Boolean(),
});

/** A user or group that may reach another user's server (JupyterHub 5's Share). */
export const ShareSchema = Type.Object(
  {
    server: SharedServerSchema,
    scopes: Type.Array(Type.String(), { description: 'Always `access:servers!server=OWNER/NAME`.' }),
    user: Type.Union([Type.Object({ name: Type.String() }), Type.Null()]),
    group: Type.Union([Type.Object({ name: Type.String() }), Type.Null()]),
    kind: Type.Union([Type.Literal('user'), Type.Literal('group')]),
    created_at: Timestamp,
  },
  { $id: 'Share' },
);
export type ShareModel = Static<typeof ShareSchema>;

/** An expiring code that a signed-in user redeems for a share (JupyterHub 5's ShareCode). */
export const ShareCodeSchema = Type.Object(
  {
    server: SharedServerSchema,
    scopes: Type.Array(Type.String()),
    id: Type.String({ description: '`sc_` and a number; names the code for revoking it.' }),
    created_at: Timestamp,
    expires_at: Timestamp,
    exchange_count: Type.Integer({ minimum: 0 }),
    last_exchanged_at: NullableTimestamp,
    max_exchanges: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
      description: 'How many times it may be redeemed (hpchub); null: any number until it expires.',
    }),
    code: Type.Optional(Type.String({ description: 'The code itself; only in the answer that created it.' })),
    accept_url: Type.Optional(Type.String({ description: 'Where a signed-in user redeems it.' })),
    full_accept_url: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { $id: 'ShareCode' },
);
export type ShareCodeModel = Static<typeof ShareCodeSchema>;
const UsageMeasures = {
  sessions: Type.Integer({ minimum: 0, description: 'Starts requested in the period.' }),
  users: Type.Integer({ minimum: 0, description: 'Distinct users who requested them.' }),
  core_hours: Type.Number({
    minimum: 0,
    description: 'Cores times run time (job start to end; servers still running: to now), in hours.',
  }),
  gpu_hours: Type.Number({ minimum: 0, description: 'GPUs times run time, in hours.' }),
  median_queue_wait_seconds: Type.Union([Type.Number(), Type.Null()], {
    description: 'Median time from submission until the job ran; null when no start of the period ran.',
  }),
  median_time_to_ready_seconds: Type.Union([Type.Number(), Type.Null()], {
    description: 'Median time from the request until the app answered; null when none did.',
  }),
};

/** Usage statistics over a range of days: per period and key, and over the whole range per key. */
export const UsageReportSchema = Type.Object(
  {
    from: Type.String({ format: 'date', description: 'First day counted (in `time_zone`).' }),
    to: Type.String({ format: 'date', description: 'Last day counted, included.' }),
    group_by: Type.Union([Type.Literal('day'), Type.Literal('week'), Type.Literal('month')]),
    by: Type.Union([Type.String(), Type.Null()], {
      description: 'What each period is split by (app, user, group, partition), or null for no split.',
    }),
    time_zone: Type.String({ description: 'The time zone whose days, weeks and months are counted.' }),
    periods: Type.Array(Type.String({ format: 'date' }), {
      description: 'Every period of the range by its first day (weeks start on Monday), with starts or not.',
    }),
    rows: Type.Array(
      Type.Object({
        period: Type.String({ format: 'date' }),
        key: Type.Union([Type.String(), Type.Null()], {
          description: 'The app, user, group or partition; null for none (a user in no group, no partition).',
        }),
        ...UsageMeasures,
      }),
      { description: 'Periods and keys that have starts; a missing one had none.' },
    ),
    totals: Type.Array(Type.Object({ key: Type.Union([Type.String(), Type.Null()]), ...UsageMeasures }), {
      description: 'The same measures over the whole range, per key.',
    }),
  },
  { $id: 'UsageReport' },
);
export type UsageReportModel = Static<typeof UsageReportSchema>;

/** Saved start settings: a user's own, or one the site offers everyone. */
export const PresetSchema = Type.Object(
  {
    id: Type.String({ description: 'A number for the user’s own presets; `site:ID` for the site’s.' }),
    title: Type.String(),
    description: Type.String(),
    app: Type.String(),
    options: Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()]), {
      description: 'The spawn form’s values (`app` included), as `user_options` of a start takes them.',
    }),
    site: Type.Boolean({ description: 'Offered by the site (not deletable).' }),
    created: NullableTimestamp,
  },
  { $id: 'Preset' },
);
export type PresetModel = Static<typeof PresetSchema>;

/** Every schema with an $id: servers register these once and routes refer to them. */
export const SHARED_SCHEMAS: TSchema[] = [
  ErrorBodySchema,
  UserSchema,
  TokenSchema,
  NewTokenSchema,
  GroupSchema,
  ServerSchema,
  ProgressEventSchema,
  ShareSchema,
  ShareCodeSchema,
  PresetSchema,
  UsageReportSchema,
];
