// The single sign-on options with a small syntax of their own (auth.account_map.table,
// auth.group_map, auth.oidc.extra_params), parsed in one place: config/options.ts checks them with
// these functions, and the account map and the OpenID Connect client read them with the same ones.

interface Parsed<T> {
  value: T;
  problems: string[];
}

/**
 * `VALUE: NAME` entries into a map. The separator is the last colon, so a value may itself hold
 * colons (a URL-shaped subject); the name may not.
 */
export function parseValueMap(entries: readonly string[]): Parsed<Map<string, string>> {
  const value = new Map<string, string>();
  const problems: string[] = [];
  for (const entry of entries) {
    const at = entry.lastIndexOf(':');
    const from = entry.slice(0, Math.max(at, 0)).trim();
    const to = entry.slice(at + 1).trim();
    if (at < 0 || from === '' || to === '' || /\s/.test(to)) problems.push(`"${entry}" is not "VALUE: NAME"`);
    else value.set(from, to);
  }
  return { value, problems };
}

// Parameters the hub sets itself: an extra one of these names would undo a protection.
const RESERVED_PARAMS = new Set([
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
]);

/** `NAME=VALUE` entries into authorization request parameters. */
export function parseExtraParams(entries: readonly string[]): Parsed<Record<string, string>> {
  const value: Record<string, string> = {};
  const problems: string[] = [];
  for (const entry of entries) {
    const m = /^([A-Za-z0-9_.-]+)=(.*)$/.exec(entry);
    if (!m) problems.push(`"${entry}" is not "NAME=VALUE"`);
    else if (RESERVED_PARAMS.has(m[1] as string)) problems.push(`"${entry}": the hub sets ${m[1]} itself`);
    else value[m[1] as string] = m[2] as string;
  }
  return { value, problems };
}
