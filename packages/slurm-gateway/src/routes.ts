// The gateway's resources. Authorization is declared on each route (`config.endpoint` and
// `config.users`, enforced in access.ts); bodies are held to schemas.ts before a handler runs,
// so handlers only check what needs Slurm or the system: known partitions, a job's owner.
import { renderBatchScript, type SlurmClient } from '@hpchub/slurm';
import type { Static } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { AccountLookup } from './accounts.js';
import { refuse } from './audit.js';
import { scriptPartitions } from './render.js';
import {
  CancelParamsSchema,
  ClusterSchema,
  ERROR,
  HealthSchema,
  JobListSchema,
  QueryAnswerSchema,
  QueryBodySchema,
  RawSubmitBodySchema,
  SubmitBodySchema,
  SubmittedSchema,
  UserQuerySchema,
} from './schemas.js';
import type { SlurmFacts } from './slurm-extra.js';

export interface JobRoutesOptions {
  client: SlurmClient;
  facts: SlurmFacts;
  /** Allowed partitions; empty: any Slurm knows. */
  partitions: string[];
  accounts: AccountLookup;
}

const refusals = { 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR, 422: ERROR, 503: ERROR };
const bodyUser = (r: FastifyRequest) => [(r.body as { user: string }).user];
const queryUser = (r: FastifyRequest) => [(r.query as { user: string }).user];

export async function jobRoutes(
  app: FastifyInstance,
  { client, facts, partitions, accounts }: JobRoutesOptions,
) {
  /** Partitions that may not be used: not allowed here, or unknown to Slurm. */
  async function badPartitions(names: string[]): Promise<string[]> {
    if (names.length === 0) return [];
    const known =
      partitions.length > 0
        ? new Set(partitions)
        : new Set((await client.clusterInfo()).partitions.map((p) => p.name));
    return names.filter((n) => !known.has(n));
  }

  app.post(
    '/v1/jobs',
    {
      config: { endpoint: 'submit', users: bodyUser },
      schema: {
        summary: 'Submit a job for a user, described by fields; the gateway renders the batch script.',
        body: SubmitBodySchema,
        response: { 201: SubmittedSchema, ...refusals },
      },
    },
    async (request, reply) => {
      const body = request.body as Static<typeof SubmitBodySchema>;
      const bad = await badPartitions(body.partition === undefined ? [] : [body.partition]);
      if (bad.length > 0)
        return refuse(
          request,
          reply,
          400,
          'invalid_request',
          `The partition ${bad.join(', ')} is not available.`,
          [{ field: 'partition', message: `Unknown or not allowed partition: ${bad.join(', ')}.` }],
        );
      const account = await accounts(body.user);
      if (!account) throw new Error('account vanished after its check');
      const id = await client.submit({ user: body.user, script: renderBatchScript(body, account.home) });
      request.audit.job = id;
      return reply.code(201).send({ id });
    },
  );

  app.post(
    '/v1/jobs/raw',
    {
      config: { endpoint: 'submit', alsoRequires: 'raw_script', users: bodyUser },
      schema: {
        summary: 'Submit a whole batch script for a user (only tokens allowed `raw_script`).',
        body: RawSubmitBodySchema,
        response: { 201: SubmittedSchema, ...refusals },
      },
    },
    async (request, reply) => {
      const body = request.body as Static<typeof RawSubmitBodySchema>;
      const bad = await badPartitions(scriptPartitions(body.script));
      if (bad.length > 0)
        return refuse(
          request,
          reply,
          422,
          'slurm_refused',
          `The partition ${bad.join(', ')} is not available.`,
        );
      const id = await client.submit({ user: body.user, script: body.script });
      request.audit.job = id;
      return reply.code(201).send({ id });
    },
  );

  app.post(
    '/v1/jobs/query',
    {
      config: {
        endpoint: 'query',
        users: (r) => (r.body as Static<typeof QueryBodySchema>).jobs.map((j) => j.user),
      },
      schema: {
        summary: 'Where many jobs stand, with one query of the controller.',
        body: QueryBodySchema,
        response: { 200: QueryAnswerSchema, ...refusals },
      },
    },
    async (request) => {
      const { jobs } = request.body as Static<typeof QueryBodySchema>;
      const answers = await client.query(jobs);
      return { answers: [...answers].map(([id, a]) => ({ id, ...a })) };
    },
  );

  app.get(
    '/v1/jobs',
    {
      config: { endpoint: 'list', users: queryUser },
      schema: {
        summary: 'The jobs of the user that wait or run, with their comments (asked of Slurm as the user).',
        querystring: UserQuerySchema,
        response: { 200: JobListSchema, ...refusals },
      },
    },
    async (request) => {
      const { user } = request.query as { user: string };
      // The client asks as the user and keeps only their jobs; checked again here all the same.
      const jobs = (await client.listJobs(user)).filter((j) => j.user === user);
      return { jobs };
    },
  );

  app.delete(
    '/v1/jobs/:id',
    {
      config: { endpoint: 'cancel', users: queryUser },
      schema: {
        summary: 'Cancel a job of the user (a job of anyone else is "not found").',
        params: CancelParamsSchema,
        querystring: UserQuerySchema,
        response: { 204: { type: 'null' }, ...refusals },
      },
    },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const { user } = request.query as { user: string };
      request.audit.job = id;
      const owner = await facts.ownerOf(id);
      if (owner !== user)
        return refuse(request, reply, 404, 'job_not_found', `${user} has no job ${id} in the queue.`);
      await client.cancel({ id, user });
      return reply.code(204).send();
    },
  );

  app.get(
    '/v1/cluster',
    {
      config: { endpoint: 'cluster' },
      schema: {
        summary: 'Partitions, limits, GPU types and node states.',
        response: { 200: ClusterSchema, ...refusals },
      },
    },
    async () => {
      const [info, nodes] = await Promise.all([client.clusterInfo(), facts.nodes()]);
      const shown = info.partitions.filter((p) => partitions.length === 0 || partitions.includes(p.name));
      return { partitions: shown, ...nodes };
    },
  );

  app.get(
    '/v1/health',
    {
      config: { endpoint: 'health' },
      schema: {
        summary: 'Whether the gateway and the Slurm controller answer.',
        response: { 200: HealthSchema, ...refusals },
      },
    },
    async () => {
      const slurm = await facts.controllerAnswers();
      return { status: slurm ? 'ok' : 'degraded', slurm } as const;
    },
  );
}
