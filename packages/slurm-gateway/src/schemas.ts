// Request and answer schemas of the gateway's API: every field bounded, every string held to a
// narrow pattern, no unknown fields. Fastify validates requests with them before any handler
// runs, and @fastify/swagger publishes them as the OpenAPI document (GET /v1/openapi.json).
import {
  AgentLaunchSpecSchema,
  ErrorBodySchema,
  MODULE_NAME_MAX,
  MODULE_NAME_PATTERN,
} from '@hpchub/protocol';
import { type Static, Type } from '@sinclair/typebox';

const closed = { additionalProperties: false } as const;

export const UserName = Type.String({
  pattern: '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$',
  description: 'The account the job runs as.',
});
/** A `#SBATCH` value: a plain word, nothing sbatch or a shell could read as more. */
const Word = Type.String({ pattern: '^[A-Za-z0-9._-]{1,64}$' });
/** A path relative to the user's home, without `..` segments. */
const HomeRelative = Type.String({
  pattern: '^(?!/)(?!.*(^|/)\\.\\.(/|$))[A-Za-z0-9._@+/-]{1,255}$',
  description: 'A path inside the user’s home directory, relative to it.',
});
const AbsolutePath = Type.String({ pattern: '^/[A-Za-z0-9._@+/-]{0,1000}$' });
const ModuleName = Type.String({ pattern: MODULE_NAME_PATTERN, maxLength: MODULE_NAME_MAX });
const JobId = Type.String({ pattern: '^[0-9]{1,12}$' });

export const SubmitBodySchema = Type.Object(
  {
    user: UserName,
    partition: Type.Optional(Word),
    account: Type.Optional(Word),
    cpus: Type.Integer({ minimum: 1, maximum: 1024 }),
    memory_mb: Type.Integer({ minimum: 1, maximum: 16 * 1024 * 1024 }),
    gpus: Type.Optional(Type.Integer({ minimum: 0, maximum: 64 })),
    time_minutes: Type.Integer({ minimum: 1, maximum: 525_600 }),
    job_name: Word,
    output: HomeRelative,
    log: Type.Optional(HomeRelative),
    signal_seconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 3600 })),
    comment: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9._-]{1,128}$' })),
    job: Type.Object(
      {
        hub_url: Type.String({
          pattern: '^https?://[A-Za-z0-9.:\\[\\]-]+(/[A-Za-z0-9._~/-]*)?$',
          maxLength: 500,
        }),
        hub_fingerprint: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
        server_id: Type.Integer({ minimum: 0, maximum: 2 ** 31 - 1 }),
        secret: Type.String({ pattern: '^[A-Za-z0-9_-]{16,256}$' }),
        spec: AgentLaunchSpecSchema,
        custom_script: HomeRelative,
        modules: Type.Array(ModuleName, { maxItems: 32 }),
        user_modules: Type.Optional(Type.Array(ModuleName, { maxItems: 32 })),
        module_init: Type.Optional(Type.Array(AbsolutePath, { maxItems: 16 })),
        module_use: Type.Optional(Type.Array(AbsolutePath, { maxItems: 32 })),
        module_init_always: Type.Optional(
          Type.Boolean({
            description:
              'Source the module init file even when nothing is loaded (default: `module` sources it on first use).',
          }),
        ),
        path_prepend: Type.Array(AbsolutePath, { maxItems: 32 }),
        node_path: AbsolutePath,
        agent_path: AbsolutePath,
        probe: Type.Optional(
          Type.Boolean({
            description: '`hpchub doctor`’s test job: the agent checks the node and the hub URL, no app.',
          }),
        ),
      },
      { ...closed, description: 'What the job runs: the hpchub agent and its launch data.' },
    ),
  },
  {
    ...closed,
    $id: 'SubmitRequest',
    description: 'A job described by fields; the gateway renders its batch script.',
  },
);
export type SubmitBody = Static<typeof SubmitBodySchema>;

export const RawSubmitBodySchema = Type.Object(
  { user: UserName, script: Type.String({ minLength: 1, maxLength: 256 * 1024, pattern: '^#!' }) },
  {
    ...closed,
    $id: 'RawSubmitRequest',
    description: 'A whole batch script (tokens allowed `raw_script` only).',
  },
);

export const SubmittedSchema = Type.Object({ id: JobId }, { $id: 'Submitted' });

const JobRefSchema = Type.Object(
  { id: Type.String({ minLength: 1, maxLength: 64 }), user: UserName },
  closed,
);
export const QueryBodySchema = Type.Object(
  { jobs: Type.Array(JobRefSchema, { maxItems: 5000 }) },
  { ...closed, $id: 'QueryRequest' },
);

const JobInfoSchema = Type.Object({
  id: Type.String(),
  user: Type.String(),
  state: Type.String(),
  reason: Type.Optional(Type.String()),
  node: Type.Optional(Type.String()),
  partition: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  startTime: Type.Optional(Type.String()),
  endTime: Type.Optional(Type.String()),
  timeLimitSeconds: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
  elapsedSeconds: Type.Optional(Type.Integer()),
  exitCode: Type.Optional(Type.Integer()),
  signal: Type.Optional(Type.Integer()),
  source: Type.String(),
});
export const QueryAnswerSchema = Type.Object(
  {
    answers: Type.Array(
      Type.Object({
        id: Type.String(),
        kind: Type.Union([Type.Literal('job'), Type.Literal('gone'), Type.Literal('unknown')]),
        job: Type.Optional(JobInfoSchema),
        detail: Type.Optional(Type.String()),
      }),
    ),
  },
  { $id: 'QueryAnswer' },
);

export const CancelParamsSchema = Type.Object({ id: JobId }, closed);
/** `?user=`: whose job is cancelled, whose jobs are listed. */
export const UserQuerySchema = Type.Object({ user: UserName }, closed);

export const JobListSchema = Type.Object(
  {
    jobs: Type.Array(
      Type.Object({
        id: Type.String(),
        user: Type.String(),
        state: Type.String({ description: 'PENDING, CONFIGURING, RUNNING or SUSPENDED.' }),
        comment: Type.String({ description: 'The job’s comment (`sbatch --comment`); empty without one.' }),
      }),
    ),
  },
  { $id: 'JobList', description: 'The user’s jobs that wait or run.' },
);

export const ClusterSchema = Type.Object(
  {
    partitions: Type.Array(
      Type.Object({
        name: Type.String(),
        isDefault: Type.Boolean(),
        up: Type.Boolean(),
        maxCpusPerNode: Type.Integer(),
        maxMemoryMbPerNode: Type.Integer(),
        maxGpusPerNode: Type.Integer(),
        maxTimeSeconds: Type.Union([Type.Integer(), Type.Null()]),
        allowGroups: Type.Union([Type.Array(Type.String()), Type.Null()]),
        allowAccounts: Type.Union([Type.Array(Type.String()), Type.Null()]),
        nodes: Type.Integer(),
      }),
    ),
    gpuTypes: Type.Array(Type.String()),
    nodes: Type.Array(Type.Object({ name: Type.String(), state: Type.String() })),
  },
  { $id: 'Cluster' },
);

export const HealthSchema = Type.Object(
  { status: Type.Union([Type.Literal('ok'), Type.Literal('degraded')]), slurm: Type.Boolean() },
  { $id: 'Health' },
);

export { ErrorBodySchema };
export const ERROR = { $ref: 'Error#' } as const;
