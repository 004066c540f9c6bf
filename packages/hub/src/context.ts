// What the hub's parts share at run time: built once by openHub() (hub.ts) for `hpchub start` and
// the CLI's commands, and handed by app.ts to each plugin.
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AccountMap } from './auth/account-map.js';
import type { Authenticator } from './auth/authenticator.js';
import type { OidcClient } from './auth/oidc/client.js';
import type { LoginPipeline } from './auth/pipeline.js';
import type { HubConfig } from './config/index.js';
import type { Database } from './db/schema.js';

export interface HubContext {
  config: HubConfig;
  db: Kysely<Database>;
  engine: 'sqlite' | 'postgres';
  authenticator: Authenticator;
  login: LoginPipeline;
  /** Single sign-on through `auth.oidc`, with the map from its claims to hub names; null when off. */
  sso: { client: OidcClient; map: AccountMap } | null;
  log: Logger;
  /** The hub's version, from packages/hub/package.json. */
  version: string;
  /** This hub's identity among hubs sharing a cluster (db/hub-id.ts): in its Slurm jobs' comments. */
  id: string;
}
