// What an app definition says: how to launch an app inside a job, how the agent reaches and
// authenticates to it, how it handles the URL prefix, and which form fields it adds. Built-ins
// live in builtins.ts; a site adds or replaces apps with a YAML file of the same shape.
import {
  AppActivitySourceSchema,
  AppFileSchema,
  MODULE_NAME_MAX,
  MODULE_NAME_PATTERN,
} from '@hpchub/protocol';
import { type Static, Type } from '@sinclair/typebox';

const FieldBase = {
  /** Key in user_options. */
  name: Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' }),
  label: Type.String({ minLength: 1, maxLength: 80 }),
  help: Type.Optional(Type.String({ maxLength: 500 })),
};

/** One extra form field of an app; every value is validated against it before any job exists. */
export const AppFieldSchema = Type.Union([
  Type.Object(
    {
      ...FieldBase,
      type: Type.Literal('choice'),
      choices: Type.Array(Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z0-9._+:/-]+$' }), {
        minItems: 1,
      }),
      default: Type.String(),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      ...FieldBase,
      type: Type.Literal('integer'),
      minimum: Type.Integer(),
      maximum: Type.Integer(),
      default: Type.Integer(),
      /**
       * Lower maxima that depend on the value of another (choice) field, e.g. the cores each
       * partition allows: `{ field: 'partition', maximum: { short: 1, normal: 64 } }`.
       */
      limits_by: Type.Optional(
        Type.Object(
          {
            field: Type.String({ pattern: '^[a-z][a-z0-9_]{0,39}$' }),
            maximum: Type.Record(Type.String(), Type.Integer()),
          },
          { additionalProperties: false },
        ),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { ...FieldBase, type: Type.Literal('boolean'), default: Type.Boolean() },
    { additionalProperties: false },
  ),
  /** A path inside the user's home directory (relative, or starting with `~/`). */
  Type.Object(
    {
      ...FieldBase,
      type: Type.Literal('home_path'),
      default: Type.String(),
      /** Chosen in the agent's directory picker before the app starts, instead of typed in the form. */
      picker: Type.Optional(Type.Boolean()),
    },
    { additionalProperties: false },
  ),
]);
export type AppField = Static<typeof AppFieldSchema>;

export const AppDefinitionSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[a-z][a-z0-9-]{0,39}$' }),
    title: Type.String({ minLength: 1, maxLength: 60 }),
    description: Type.String({ maxLength: 500 }),
    /** File name of an icon under ui/static/apps/, or a data: URL. */
    icon: Type.String({ maxLength: 20000 }),
    /** argv with placeholders: {port} {socket} {prefix} {token} {workdir} {option:NAME}. */
    command: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
    env: Type.Record(Type.String({ pattern: '^[A-Za-z_][A-Za-z0-9_]*$' }), Type.String()),
    /** Files the agent writes into the job's private directory before the command runs (e.g. RStudio's). */
    files: Type.Optional(Type.Array(AppFileSchema, { maxItems: 32 })),
    listen: Type.Union([Type.Literal('unix'), Type.Literal('tcp')]),
    /**
     * For listen: tcp. isolated (the default): the app runs in a network namespace of its own, so
     * no other user's process on the node can reach its port (the agent reaches it through a
     * 0600 unix socket); it then has no network beyond its own loopback. host: on the node's
     * loopback, where every user of the node can connect to it: only for apps that need the
     * network and sign every request in themselves (RStudio).
     */
    network: Type.Optional(Type.Union([Type.Literal('isolated'), Type.Literal('host')])),
    prefix: Type.Union([Type.Literal('keep'), Type.Literal('strip')]),
    ready_path: Type.String({ pattern: '^/' }),
    app_auth: Type.Union([
      Type.Object({ kind: Type.Literal('none') }, { additionalProperties: false }),
      Type.Object({ kind: Type.Literal('token-header') }, { additionalProperties: false }),
      Type.Object(
        { kind: Type.Literal('header'), name: Type.String(), value: Type.String() },
        { additionalProperties: false },
      ),
      /** The agent signs in once through the app's login form and replays its cookies (RStudio). */
      Type.Object(
        {
          kind: Type.Literal('form-login'),
          path: Type.String({ pattern: '^/' }),
          fields: Type.Record(Type.String(), Type.String()),
        },
        { additionalProperties: false },
      ),
    ]),
    /** Environment modules loaded (`module load`) before the app, when the node has modules. */
    modules: Type.Array(Type.String({ pattern: MODULE_NAME_PATTERN, maxLength: MODULE_NAME_MAX }), {
      maxItems: 16,
    }),
    /** Run the command inside this Apptainer/Singularity image. */
    apptainer: Type.Optional(
      Type.Object(
        {
          image: Type.String({ minLength: 1 }),
          binds: Type.Array(Type.String()),
          /** Extra arguments for `apptainer exec` (e.g. --nv for GPUs). */
          args: Type.Array(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
    /** Script sourced before the app when the user does not choose another (Euler: ~/.jupyterlabrc). */
    custom_script: Type.String(),
    fields: Type.Array(AppFieldSchema),
    /** Where the agent learns of the app's use beyond traffic (default `traffic`; see docs/culling.md). */
    activity: Type.Optional(AppActivitySourceSchema),
    /** The `culler` section's policy keys, for this app's servers only. */
    cull: Type.Optional(
      Type.Object(
        {
          enabled: Type.Optional(Type.Boolean()),
          idle_timeout_seconds: Type.Optional(Type.Integer({ minimum: 60, maximum: 31536000 })),
          busy_kernels_active: Type.Optional(Type.Boolean()),
          max_age_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 31536000 })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Overrides spawner.start_timeout_seconds for a slow app. */
    start_timeout_seconds: Type.Optional(Type.Integer({ minimum: 1, maximum: 86400 })),
  },
  { additionalProperties: false },
);
export type AppDefinition = Static<typeof AppDefinitionSchema>;
