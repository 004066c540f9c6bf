// What a caller may do. A cookie session carries everything its user may do; an API token
// carries the scopes it was created with, narrowed to what its owner may do at the moment of the
// request (a token of a user who lost admin loses admin with them).

export const SCOPES = {
  self: 'Everything the owner may do on their own account: read it, manage their servers and tokens.',
  servers: "Start, stop and reach the owner's own servers.",
  tokens: "Create, list and revoke the owner's own API tokens.",
  'read:users': 'Read every user (admins only).',
  admin: 'Everything, on every user (admins only).',
} as const;

export type Scope = keyof typeof SCOPES;

export const ALL_SCOPES = Object.keys(SCOPES) as Scope[];
const ADMIN_ONLY: ReadonlySet<Scope> = new Set(['admin', 'read:users']);

export function isScope(value: string): value is Scope {
  return Object.hasOwn(SCOPES, value);
}

/** The scopes a user may hold (and so grant to a token). */
export function scopesOfUser(user: { admin: number | boolean }): Scope[] {
  return user.admin ? [...ALL_SCOPES] : ALL_SCOPES.filter((s) => !ADMIN_ONLY.has(s));
}

/** Scopes in `requested` that the user may not grant. */
export function ungrantableScopes(user: { admin: number | boolean }, requested: Scope[]): Scope[] {
  const allowed = new Set(scopesOfUser(user));
  return requested.filter((s) => !allowed.has(s));
}

/** Who is making a request, and with which rights. */
export interface Principal {
  userId: number;
  name: string;
  admin: boolean;
  scopes: ReadonlySet<Scope>;
  via: 'cookie' | 'token';
  /** For cookie sessions: the CSRF token that state-changing requests must echo. */
  csrfToken?: string;
  tokenId?: number;
}

export function principalIsAdmin(p: Principal): boolean {
  return p.admin && p.scopes.has('admin');
}

/** May read the user named `name` (the user model, their groups). */
export function canReadUser(p: Principal, name: string): boolean {
  if (principalIsAdmin(p) || (p.admin && p.scopes.has('read:users'))) return true;
  return p.name === name && (p.scopes.has('self') || p.scopes.has('servers') || p.scopes.has('tokens'));
}

export function canManageTokensOf(p: Principal, name: string): boolean {
  return principalIsAdmin(p) || (p.name === name && (p.scopes.has('self') || p.scopes.has('tokens')));
}

export function canManageServersOf(p: Principal, name: string): boolean {
  return principalIsAdmin(p) || (p.name === name && (p.scopes.has('self') || p.scopes.has('servers')));
}
