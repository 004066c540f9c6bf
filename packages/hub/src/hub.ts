// The hub's lifecycle around the HTTP app: open and migrate the database, pick the
// authenticator, create the first admin on a brand-new hub, listen, and shut down cleanly.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { buildApp } from './app.js';
import { createAccountMap } from './auth/account-map.js';
import { createAuthenticator } from './auth/authenticators.js';
import { loadOrCreateCookieSecret } from './auth/cookie-secret.js';
import { loadOrCreateHubCertificate } from './auth/hub-certificate.js';
import { OidcClient } from './auth/oidc/client.js';
import { createLoginPipeline } from './auth/pipeline.js';
import { readSecret } from './auth/secrets.js';
import { type HubConfig, SECRET_ENV, usageTimeZone } from './config/index.js';
import type { HubContext } from './context.js';
import { type HubDatabase, hubIdentity, migrateToLatest, openDatabase, redactUrl } from './db/index.js';
import { logDestination, loggerOptions } from './http/logging.js';
import { HubMetrics } from './metrics/index.js';
import type { Spawner } from './spawn/index.js';
import { syncSummaries } from './usage/index.js';
import { generatePassword, hashPassword } from './users/password.js';
import { countUsers, createUser } from './users/store.js';
import type { Clock } from './util/time.js';

export const HUB_VERSION: string = JSON.parse(
  readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
).version;

export const FIRST_ADMIN = 'admin';

export interface OpenHubOptions {
  /** Where log lines go (tests capture them); stdout by default. */
  logStream?: NodeJS.WritableStream;
}

export interface OpenHub {
  hub: HubContext;
  database: HubDatabase;
  /** The hub's Prometheus metrics, which the database and the login pipeline already report to. */
  metrics: HubMetrics;
  close(): Promise<void>;
}

export function createLogger(config: HubConfig, stream?: NodeJS.WritableStream): Logger {
  const { stream: s, ...options } = loggerOptions(
    config.log.level,
    logDestination(config.log.format, stream),
  );
  return s ? pino(options, s) : pino(options);
}

/** The OpenID Connect client when `auth.oidc.issuer` is set (its secret from a file or the environment). */
function singleSignOn(config: HubConfig, log: Logger): HubContext['sso'] {
  const settings = config.auth.oidc;
  if (settings.issuer === '') return null;
  const secret = readSecret({
    file: settings.client_secret_file,
    option: 'auth.oidc.client_secret_file',
    envName: SECRET_ENV.oidcClientSecret,
  });
  return { client: new OidcClient(settings, secret, log), map: createAccountMap(config.auth) };
}

/** Opens the database (migrating it) and builds the shared context; used by `start` and the CLI. */
export async function openHub(config: HubConfig, options: OpenHubOptions = {}): Promise<OpenHub> {
  const log = createLogger(config, options.logStream);
  const metrics = new HubMetrics();
  const database = await openDatabase(config.db.url, {
    onPoolError: (err) => log.warn({ err }, 'database connection lost; it will be reopened'),
    observer: metrics.queries,
  });
  try {
    const { applied } = await migrateToLatest(database);
    if (applied.length > 0) log.info({ applied, db: redactUrl(config.db.url) }, 'database migrated');
    const authenticator = await createAuthenticator(config, database.db, log);
    const hub: HubContext = {
      config,
      db: database.db,
      engine: database.engine,
      authenticator,
      login: createLoginPipeline(database.db, authenticator, config.auth, log, {
        requireSystemAccount: config.spawner.kind === 'slurm',
        observer: metrics.login,
      }),
      sso: singleSignOn(config, log),
      log,
      version: HUB_VERSION,
      id: await hubIdentity(database.db),
    };
    metrics.countRowsOf(database.db);
    return {
      hub,
      database,
      metrics,
      async close() {
        await authenticator.close();
        await database.close();
      },
    };
  } catch (err) {
    await database.close();
    throw err;
  }
}

/**
 * On a brand-new hub with local accounts, creates the first admin and returns its password,
 * which the caller prints once. Returns null when the hub already has users, or when accounts
 * come from elsewhere (PAM: admins are named in `auth.admin_users`).
 */
export async function ensureFirstAdmin(hub: HubContext): Promise<{ name: string; password: string } | null> {
  if (hub.config.auth.authenticator !== 'local' || (await countUsers(hub.db)) > 0) return null;
  const password = generatePassword();
  await createUser(hub.db, { name: FIRST_ADMIN, admin: true, passwordHash: await hashPassword(password) });
  hub.log.info({ user: FIRST_ADMIN }, 'created the first admin account');
  return { name: FIRST_ADMIN, password };
}

export interface RunningHub {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/**
 * Builds the usage summaries from the records when they are not kept in the configured time zone
 * (after the upgrade that brought them, or a change of `usage.time_zone`). Only a hub that serves
 * does it, not a CLI command, whose machine zone may not be the service's.
 */
async function summariseUsage(hub: HubContext): Promise<void> {
  const zone = usageTimeZone(hub.config);
  const t0 = performance.now();
  const built = await syncSummaries(hub.db, zone);
  if (built)
    hub.log.info(
      { ...built, time_zone: zone, seconds: Math.round((performance.now() - t0) / 100) / 10 },
      'usage summaries built from the usage records',
    );
}

/** Builds the app for an open hub and listens on the configured address. */
export async function listen(
  open: OpenHub,
  options: { spawner?: Spawner; now?: Clock } = {},
): Promise<RunningHub> {
  const { config } = open.hub;
  const https =
    config.tls.cert && config.tls.key
      ? { cert: readFileSync(config.tls.cert), key: readFileSync(config.tls.key) }
      : undefined;
  await summariseUsage(open.hub);
  const cookieSecret = loadOrCreateCookieSecret(config.data_dir, open.hub.log);
  const app = await buildApp({
    hub: open.hub,
    metrics: open.metrics,
    cookieSecret,
    https,
    hubCertificate: loadOrCreateHubCertificate(config.data_dir, open.hub.log),
    spawner: options.spawner,
    now: options.now,
  });
  await app.listen({ host: config.ip, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.ip.includes(':') ? `[${config.ip}]` : config.ip;
  const url = `${https ? 'https' : 'http'}://${host}:${port}`;
  let closed: Promise<void> | undefined;
  return {
    app,
    url,
    close() {
      closed ??= (async () => {
        await app.close();
        await open.close();
      })();
      return closed;
    },
  };
}
