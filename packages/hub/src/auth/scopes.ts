// What a caller may do. A cookie session carries everything its user may do; an API token
// carries the scopes it was created with, narrowed to what its owner may do at the moment of the
// request (a token of a user who lost admin loses admin with them).

export const SCOPES = {
  self: 'Everything the owner may do on their own account: read it, manage their servers and tokens.',
  servers: "Start, stop and reach the owner's own servers.",
  tokens: "Create, list and revoke the owner's own API tokens.",
  'read:users': 'Read every user (admins only).',
  admin: 'Everything, on every user (admins only).',
  // JupyterHub's names for what its tools need (jupyterhub-idle-culler: list:users,
  // read:users:activity, read:servers, delete:servers, optionally admin:users), so a site's token
  // recipes work unchanged. Each maps onto a part of what hpchub's own scopes allow.
  'list:users': 'List and read every user, with their servers (admins only; JupyterHub’s name).',
  'read:users:activity': 'Read every user, with their last activity (admins only; JupyterHub’s name).',
  'read:servers': 'Read every user, with their servers (admins only; JupyterHub’s name).',
  'delete:servers': 'Stop every user’s servers (admins only; JupyterHub’s name).',
  'admin:servers': 'Start and stop every user’s servers (admins only; JupyterHub’s name).',
  'admin:users': 'Create, change and delete users (admins only; JupyterHub’s name).',
  'read:metrics': 'Read the hub’s Prometheus metrics at /hub/metrics (admins only; JupyterHub’s name).',
  'users:activity':
    'Report activity of the owner’s servers; an admin’s token, of every user’s (JupyterHub’s name).',
} as const;

export type Scope = keyof typeof SCOPES;

export const ALL_SCOPES = Object.keys(SCOPES) as Scope[];
const ADMIN_ONLY: ReadonlySet<Scope> = new Set([
  'admin',
  'read:users',
  'list:users',
  'read:users:activity',
  'read:servers',
  'delete:servers',
  'admin:servers',
  'admin:users',
  'read:metrics',
]);
/** Scopes that let an admin's token read every user. */
const READ_USERS: readonly Scope[] = ['read:users', 'list:users', 'read:users:activity', 'read:servers'];

/** Whether only admins may hold `scope`. */
export function isAdminOnly(scope: Scope): boolean {
  return ADMIN_ONLY.has(scope);
}

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

/** An admin with the admin scope, or with one of `scopes`. */
export function adminWithAny(p: Principal, scopes: readonly Scope[]): boolean {
  return principalIsAdmin(p) || (p.admin && scopes.some((s) => p.scopes.has(s)));
}

/** May list every user. */
export function canListUsers(p: Principal): boolean {
  return adminWithAny(p, ['read:users', 'list:users']);
}

/** May read the user named `name` (the user model, their groups). */
export function canReadUser(p: Principal, name: string): boolean {
  if (adminWithAny(p, READ_USERS)) return true;
  return p.name === name && (p.scopes.has('self') || p.scopes.has('servers') || p.scopes.has('tokens'));
}

export function canManageTokensOf(p: Principal, name: string): boolean {
  return principalIsAdmin(p) || (p.name === name && (p.scopes.has('self') || p.scopes.has('tokens')));
}

/** May start (and stop) the servers of user `name`. */
export function canManageServersOf(p: Principal, name: string): boolean {
  return (
    adminWithAny(p, ['admin:servers']) ||
    (p.name === name && (p.scopes.has('self') || p.scopes.has('servers')))
  );
}

/** May stop the servers of user `name` (JupyterHub's delete:servers is enough). */
export function canStopServersOf(p: Principal, name: string): boolean {
  return canManageServersOf(p, name) || adminWithAny(p, ['delete:servers']);
}

/** May report activity of user `name`'s servers (what jupyterhub-singleuser does). */
export function canReportActivityOf(p: Principal, name: string): boolean {
  return (
    adminWithAny(p, ['users:activity']) ||
    (p.name === name && ['self', 'servers', 'users:activity'].some((s) => p.scopes.has(s as Scope)))
  );
}

/** May read /hub/metrics: an admin, or a token given `read:metrics`. */
export function canReadMetrics(p: Principal): boolean {
  return principalIsAdmin(p) || (p.admin && p.scopes.has('read:metrics'));
}
