// Recognises constraint violations the same way on both engines, so a store can turn "that name
// is taken" into a 409 without checking first (which would race) and without knowing the engine;
// and a database that cannot be reached right now, which the hub answers with a 503.

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

/** A unique or primary-key constraint rejected the write (SQLite or PostgreSQL 23505). */
export function isUniqueViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}

/** A foreign key rejected the write: the referenced row does not exist (PostgreSQL 23503). */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = codeOf(error);
  return code === '23503' || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/** Socket errors of a server that is down, restarting or unreachable. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);
/** PostgreSQL: shutting down (57P01-57P03), too many connections (53300). */
const POSTGRES_CODES = new Set(['57P01', '57P02', '57P03', '53300']);
/** What node-postgres says of a connection lost or never made (it gives these no code). */
const LOST_CONNECTION =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

/**
 * The database cannot be reached right now (PostgreSQL restarting or down, its connection lost;
 * SQLite locked past its busy timeout): nothing the request did wrong, worth trying again soon.
 */
export function isDatabaseUnreachable(error: unknown): boolean {
  if (error instanceof AggregateError && error.errors.some(isDatabaseUnreachable)) return true;
  const code = codeOf(error);
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || POSTGRES_CODES.has(code) || code.startsWith('08')) return true;
    if (code === 'SQLITE_BUSY') return true;
  }
  return error instanceof Error && LOST_CONNECTION.test(error.message);
}
