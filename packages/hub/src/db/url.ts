// Database URLs: which engine a URL selects, where its SQLite file lives, and how to print it
// without its password. Every log line and error message that mentions a database URL goes
// through redactUrl(), because PostgreSQL URLs carry credentials.
import { isAbsolute } from 'node:path';

export type Engine = 'sqlite' | 'postgres';

export type DatabaseTarget =
  | { engine: 'sqlite' /** An absolute file path, or ':memory:'. */; path: string }
  | { engine: 'postgres'; url: string };

const EXPECTED =
  'Use sqlite:/absolute/path/hub.sqlite, sqlite::memory: or postgres://user:password@host:5432/database.';

/** Decides the engine of a database URL; throws an Error saying what is accepted otherwise. */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return { engine: 'postgres', url };
  }
  if (url.startsWith('sqlite:')) {
    let path = url.slice('sqlite:'.length);
    if (path === ':memory:') return { engine: 'sqlite', path };
    // sqlite:///abs/path is the spelling other tools (SQLAlchemy, JupyterHub) use for absolute paths.
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '' || !isAbsolute(path)) {
      throw new Error(`The SQLite database URL ${url} must name an absolute path. ${EXPECTED}`);
    }
    return { engine: 'sqlite', path };
  }
  throw new Error(`The database URL ${redactUrl(url)} is not supported. ${EXPECTED}`);
}

/**
 * The URL with any password replaced by ***, safe to log. Handles the user:password@ part and
 * the password= query parameter libpq also accepts; text that is not a URL is returned unchanged
 * except for those two patterns.
 */
export function redactUrl(url: string): string {
  return url
    .replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:)[^/?#]*@/i, '$1***@')
    .replace(/([?&](?:ssl)?password=)[^&#]*/gi, '$1***');
}
