// Reads `/user/{name}/{segment}/…` from a request target without building a URL object: this
// runs on every proxied request. The path itself is forwarded unchanged (apps are told their
// prefix, or the agent strips it).

export const USER_PREFIX = '/user/';

export interface UserPath {
  /** Decoded user name. */
  user: string;
  /** Decoded second segment, or null when the path has none (`/user/ada`, `/user/ada/`). */
  segment: string | null;
  /** `/user/ada` with nothing after the name: redirected to `/user/ada/`. */
  bareUser: boolean;
  /** `/user/ada/lab` with nothing after the segment: redirected to `/user/ada/lab/` if it names a server. */
  bareSegment: boolean;
  /** Where the path ends (the query, if any, starts here). */
  pathEnd: number;
}

/** Whether a request target is for the proxy at all. */
export function isUserPath(url: string): boolean {
  return url.length > USER_PREFIX.length && url.startsWith(USER_PREFIX);
}

function decode(raw: string): string | null {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

/** The parts of a proxied path; 'malformed' when an escape does not decode or the name is empty. */
export function parseUserPath(url: string): UserPath | 'malformed' {
  const q = url.indexOf('?');
  const pathEnd = q === -1 ? url.length : q;
  const start = USER_PREFIX.length;
  let slash = url.indexOf('/', start);
  if (slash === -1 || slash > pathEnd) slash = pathEnd;
  const user = decode(url.slice(start, slash));
  if (!user) return 'malformed';
  if (slash === pathEnd) return { user, segment: null, bareUser: true, bareSegment: false, pathEnd };
  let next = url.indexOf('/', slash + 1);
  if (next === -1 || next > pathEnd) next = pathEnd;
  const raw = url.slice(slash + 1, next);
  if (raw === '') return { user, segment: null, bareUser: false, bareSegment: false, pathEnd };
  const segment = decode(raw);
  if (segment === null) return 'malformed';
  return { user, segment, bareUser: false, bareSegment: next === pathEnd, pathEnd };
}

/** The same target with a slash added at the end of the path (before the query). */
export function withTrailingSlash(url: string, pathEnd: number): string {
  return `${url.slice(0, pathEnd)}/${url.slice(pathEnd)}`;
}
