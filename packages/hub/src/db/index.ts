// The hub database: open it by URL, migrate it, the hub's identity kept in it, and the row types
// every store queries with.
export { type HubDatabase, type OpenOptions, openDatabase } from './connect.js';
export { isDatabaseUnreachable, isForeignKeyViolation, isUniqueViolation } from './errors.js';
export { hubIdentity } from './hub-id.js';
export {
  type MigrationStatus,
  migrateTo,
  migrateToLatest,
  migrationStatus,
  pendingMigrations,
} from './migrate.js';
export type { QueryObserver, QueryOperation } from './query-timing.js';
export type * from './schema.js';
export { type Engine, redactUrl } from './url.js';
