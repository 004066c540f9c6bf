// Builds the gateway's Fastify server without listening (tests inject into it; main.ts listens):
// strict schemas, token access per endpoint, the audit trail, the OpenAPI document, and the six
// resources — submit (structured, or raw for tokens allowed raw_script), query, list (a user's
// active jobs), cancel, cluster, health. Slurm is reached only through @hpchub/slurm's
// argument-vector client: no shell anywhere.
import fastifySwagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import {
  CliSlurmClient,
  type Exec,
  execCommand,
  parseUserPrefix,
  SLURM_NOT_REACHED,
  type SlurmClient,
  SlurmError,
} from '@hpchub/slurm';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { installAccess } from './access.js';
import { type AccountLookup, systemAccounts } from './accounts.js';
import { installAudit, refuse } from './audit.js';
import type { GatewayConfig } from './config.js';
import { jobRoutes } from './routes.js';
import { ErrorBodySchema } from './schemas.js';
import { SlurmFacts } from './slurm-extra.js';
import { TokenStore } from './tokens.js';

export interface GatewayOptions {
  config: GatewayConfig;
  logger: FastifyBaseLogger;
  /** The Slurm client acting as users (default: the command-line client with the configured prefix). */
  client?: SlurmClient;
  accounts?: AccountLookup;
  exec?: Exec;
  https?: { cert: string; key: string };
  version?: string;
}

export async function buildGateway(options: GatewayOptions): Promise<FastifyInstance> {
  const { config } = options;
  const exec = options.exec ?? execCommand;
  const client =
    options.client ??
    new CliSlurmClient({
      ...(config.user_prefix ? { userPrefix: parseUserPrefix(config.user_prefix) } : {}),
      binDir: config.bin_dir,
      timeoutMs: config.command_timeout_seconds * 1000,
      exec,
    });
  const app = Fastify({
    loggerInstance: options.logger,
    disableRequestLogging: true,
    bodyLimit: 1024 * 1024,
    trustProxy: false,
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: false, allErrors: true },
    },
    ...(options.https ? { https: options.https } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as FastifyInstance;

  app.addSchema(ErrorBodySchema);
  installAudit(app);
  installAccess(app, {
    tokens: new TokenStore(config.tokens),
    accounts: options.accounts ?? systemAccounts(exec),
    minUid: config.min_uid,
    maxUid: config.max_uid,
  });

  app.setNotFoundHandler((request, reply) =>
    refuse(request, reply, 404, 'not_found', 'There is no such endpoint.'),
  );
  app.setErrorHandler((error, request, reply) => {
    const err = error as Error & {
      validation?: { instancePath: string; message?: string }[];
      statusCode?: number;
    };
    if (err.validation) {
      const validations = err.validation.map((v) => ({
        field: v.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'body',
        message: v.message ?? 'is not valid',
      }));
      return refuse(
        request,
        reply,
        400,
        'invalid_request',
        'The request is not valid; see validations.',
        validations,
      );
    }
    if (err instanceof SlurmError) {
      if (err.kind === 'refused') return refuse(request, reply, 422, 'slurm_refused', err.message);
      request.audit.reason = `slurm_${err.kind}: ${err.message}`;
      // Its own code when the controller could not be connected to: nothing reached Slurm, so
      // the caller may send the same request again without making a second job.
      return reply.code(503).send(
        err.notSent
          ? {
              code: SLURM_NOT_REACHED,
              message: 'The Slurm controller could not be reached; nothing was sent to it. Try again later.',
              detail: err.message,
            }
          : {
              code: 'slurm_unavailable',
              message: 'Slurm did not answer; try again later.',
              detail: err.message,
            },
      );
    }
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
      return refuse(request, reply, err.statusCode, 'bad_request', err.message);
    request.log.error({ err }, 'unexpected error');
    request.audit.reason = 'internal error';
    return reply.code(500).send({ code: 'internal', message: 'The gateway failed; see its log.' });
  });
  // A body-less POST is validated as an empty object, so the schema names the missing fields.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.method === 'POST') request.body = {};
  });
  app.removeContentTypeParser('text/plain');

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'hpchub slurm-gateway',
        version: options.version ?? '0.1.0',
        description:
          'Submits, queries, lists and cancels Slurm jobs for users on behalf of a hub. Every call needs ' +
          '`Authorization: Bearer <token>`; each token is allowed a set of endpoints and, optionally, of users.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => String(json.$id ?? `def-${i}`) },
  });
  app.get('/v1/openapi.json', { config: { endpoint: 'public' }, schema: { hide: true } }, async () =>
    app.swagger(),
  );

  await app.register(jobRoutes, {
    client,
    facts: new SlurmFacts(exec, config.bin_dir, config.command_timeout_seconds * 1000),
    partitions: config.partitions,
    accounts: options.accounts ?? systemAccounts(exec),
  });
  return app;
}
