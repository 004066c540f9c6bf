// Builds the hub's HTTP server without listening, so tests drive it with inject() or a socket
// of their own, and hub.ts only adds the lifecycle around it. This is where the parts are put
// together: the proxy with the route table that the spawning service fills, the account rules
// with what follows a change, the REST API, the agent API and the pages, each given the services
// it calls.

import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifySwagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { SHARED_SCHEMAS } from '@hpchub/protocol';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { probeRoutes } from './agent-api/probe.js';
import { agentRoutes } from './agent-api/routes.js';
import { openApiOptions } from './api/openapi-doc.js';
import { checkHealth } from './api/root.js';
import { API_PREFIX, apiRoutes } from './api/routes.js';
import { Accounts } from './auth/accounts.js';
import { fingerprintOfPem, type HubCertificate } from './auth/hub-certificate.js';
import { ExpiredCredentialsPurge } from './auth/purge.js';
import { ServiceTokens } from './auth/service-tokens.js';
import { listeningBaseUrl } from './config/hub-url.js';
import type { HubContext } from './context.js';
import { accessPlugin } from './http/access.js';
import { installErrorHandlers, routerErrors } from './http/errors.js';
import { lazySerializers } from './http/lazy-compile.js';
import { principalPlugin } from './http/principal.js';
import { securityHeadersPlugin } from './http/security-headers.js';
import { validatorCompiler } from './http/validation.js';
import { type HubMetrics, metricsRoutes } from './metrics/index.js';
import { CollectionSources, type CopyCommand, loadCollections, NotebookCatalog } from './notebooks/index.js';
import { loadSitePresets, Presets } from './presets/rules.js';
import { createHubProxy } from './proxy/index.js';
import { ServiceRunner } from './services/index.js';
import { Sharing } from './shares/rules.js';
import {
  accountResolver,
  countActive,
  createSpawning,
  IdleCuller,
  installAgent,
  type Spawner,
  type SpawningService,
  serverForPath,
  userCommandPrefix,
} from './spawn/index.js';
import { loadSite } from './ui/site.js';
import { findUserById } from './users/store.js';
import type { Clock } from './util/time.js';
import { proxyPages } from './web/proxy-pages.js';
import { webRoutes } from './web/routes.js';

export interface BuildOptions {
  hub: HubContext;
  /** The hub's metrics (made by openHub, before the database). */
  metrics: HubMetrics;
  cookieSecret: string;
  /** TLS key and certificate (PEM) when the hub terminates HTTPS itself. */
  https?: { key: Buffer; cert: Buffer } | undefined;
  /** The hub's own certificate for agents (auth/hub-certificate.ts). */
  hubCertificate: HubCertificate;
  /** A spawner to use instead of the configured one. */
  spawner?: Spawner | undefined;
  /** The time now for the spawning service and the culler (default: the system clock). */
  now?: Clock | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    spawning: SpawningService;
    culler: IdleCuller;
  }
}

/** The hub's own base URL once it listens, as jobs on other machines would reach it. */
function listeningUrl(app: FastifyInstance, hub: HubContext, https: boolean): string {
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : hub.config.port;
  return listeningBaseUrl(hub.config.ip, port, https);
}

export async function buildApp({
  hub,
  metrics,
  cookieSecret,
  https,
  hubCertificate,
  spawner,
  now = Date.now,
}: BuildOptions): Promise<FastifyInstance> {
  // The site's look (name, logo, colour, footer) for the pages, the error pages and the proxy's pages.
  const site = loadSite(hub.config.site);
  // The proxy owns the HTTP server: /user/… and upgrades never reach Fastify (see proxy/hub-proxy.ts).
  // Its route table is filled by the spawning service, made below, which also records activity.
  let spawning: SpawningService | undefined;
  const proxy = createHubProxy({
    hub,
    cookieSecret,
    pages: proxyPages(site),
    findUnrouted: (user, segment) => serverForPath(hub.db, user, segment),
    recordActivity: async (route, at) => spawning?.recordActivity(route.id, route.ownerId, at),
    agentApiTls: {
      cert: hubCertificate.certPem,
      key: hubCertificate.keyPem,
      serves: (url) => url.startsWith(`${API_PREFIX}/agent/`),
    },
    observer: metrics.proxy,
  });
  const app = Fastify({
    serverFactory: proxy.serverFactory,
    loggerInstance: hub.log as FastifyBaseLogger,
    bodyLimit: 1024 * 1024,
    // JupyterHub clients send names as path segments; keep the whole segment, encoded or not.
    routerOptions: { maxParamLength: 500, ignoreTrailingSlash: true },
    frameworkErrors: routerErrors(site),
    // X-Forwarded-* only from the reverse proxies the site named; from anyone else they are lies.
    trustProxy: hub.config.trusted_proxies.length > 0 ? hub.config.trusted_proxies : false,
    // A route's response schemas are compiled at its first answer, not before the hub listens.
    schemaController: { compilersFactory: { buildSerializer: lazySerializers() } },
    ...(https ? { https } : {}),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  installErrorHandlers(app, site);

  // The API speaks JSON and the pages post forms; plain text is neither.
  app.removeContentTypeParser('text/plain');
  await app.register(fastifyCookie, { secret: cookieSecret, hook: 'onRequest' });
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  await app.register(fastifySwagger, openApiOptions(hub.version));
  // A request without a body is validated as an empty object, so a route whose fields are all
  // optional (POST /hub/api/users/NAME) accepts it, and one with required fields names them.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.method !== 'GET' && request.method !== 'HEAD')
      request.body = {};
  });
  // Signing out of single sign-on ends with the provider's logout page (form-action).
  const ssoOrigins = hub.sso ? [new URL(hub.config.auth.oidc.issuer).origin] : [];
  await app.register(securityHeadersPlugin, { formOrigins: ssoOrigins });
  // The hub's services call the API with tokens it made for them, kept in memory (services/).
  const serviceTokens = new ServiceTokens();
  await app.register(principalPlugin, { db: hub.db, services: serviceTokens });
  await app.register(accessPlugin, { db: hub.db });
  await app.register(metricsRoutes, { metrics, authenticate: hub.config.metrics.authenticate });
  await app.register(proxy.plugin);

  spawning = await createSpawning({
    hub,
    routes: proxy.routes,
    cookieSecret,
    hubUrl: () => listeningUrl(app, hub, https !== undefined),
    // A hub terminating TLS with the site's certificate answers agents with that one.
    hubFingerprint: https ? fingerprintOfPem(https.cert) : hubCertificate.fingerprint,
    spawner,
    now,
    observer: metrics,
    slurmObserver: metrics.slurm,
  });
  const service = spawning;
  app.decorate('spawning', service);
  // Before the hub listens: running servers are routed again and starting ones re-adopted.
  app.addHook('onReady', () => service.open());
  app.addHook('onClose', () => service.close());
  const culler = new IdleCuller({
    db: hub.db,
    config: hub.config,
    catalog: service.catalog,
    log: hub.log,
    now,
    stop: async (server, detail) => {
      const owner = await findUserById(hub.db, server.userId);
      if (owner) await service.stop(owner, server.name, 'idle_cull', detail);
    },
  });
  app.decorate('culler', culler);
  app.addHook('onReady', () => culler.start());
  app.addHook('onClose', () => culler.close());
  const purge = new ExpiredCredentialsPurge({ db: hub.db, log: hub.log });
  app.addHook('onReady', () => purge.start());
  app.addHook('onClose', () => purge.close());

  // A user who is blocked or deleted loses their servers, and the proxy forgets who they were at
  // once rather than after its cache expires; nor is a user renamed while their servers run.
  const accounts = new Accounts(hub.db, {
    activeServers: (user) => countActive(hub.db, user.id),
    lockedOut: (user) => service.stopAll(user, 'admin_stop'),
    changed: (user) => proxy.authorizer.forgetUser(user.id),
  });

  // Who may reach a server changed: the proxy's cache and open WebSockets follow at once.
  const sharing = new Sharing(hub.db, {
    changed: (serverId) => {
      proxy.sharesChanged(serverId).catch((err) => hub.log.error({ err }, 'rechecking WebSockets failed'));
    },
    forgetUsers: (userIds) => {
      for (const id of userIds) proxy.authorizer.forgetUser(id);
    },
  });

  const presets = new Presets({
    db: hub.db,
    site: loadSitePresets(hub.config.presets),
    maxPerUser: hub.config.presets.max_per_user,
    check: (user, options) => service.checkOptions(user, options),
  });

  // Collections are copied by the agent the hub installs for jobs, run as the user (installed on first use).
  let copyCommand: CopyCommand | undefined;
  const accountOf = accountResolver(hub.config);
  const notebooks = new NotebookCatalog({
    config: hub.config,
    collections: loadCollections(hub.config.notebooks),
    sources: new CollectionSources(hub.config),
    accountOf,
    command: () => {
      copyCommand ??= {
        prefix: userCommandPrefix(hub.config),
        nodePath: hub.config.spawner.node_path,
        agentPath: installAgent(hub.config, hub.log),
      };
      return copyCommand;
    },
  });

  const services = new ServiceRunner(hub.config.services, {
    tokens: serviceTokens,
    apiUrl: () => `${listeningUrl(app, hub, https !== undefined)}${API_PREFIX}`,
    log: hub.log,
  });
  // After the hub listens (onListen), so a service's first request finds it answering.
  app.addHook('onListen', () => services.start());
  app.addHook('onClose', () => services.close());

  await app.register(apiRoutes, {
    prefix: API_PREFIX,
    hub,
    spawning: service,
    accounts,
    sharing,
    presets,
    services,
  });
  await app.register(agentRoutes, { prefix: `${API_PREFIX}/agent`, spawning: service });
  await app.register(probeRoutes, { prefix: `${API_PREFIX}/agent`, version: hub.version });
  await app.register(webRoutes, { hub, site, spawning: service, accounts, sharing, presets, notebooks });

  // JupyterHub serves its health check here too; load balancers expect it without /api.
  app.get('/hub/health', { config: { access: { kind: 'public' } }, schema: { hide: true } }, async () =>
    checkHealth(hub),
  );
  return app;
}
