// The claims a provider vouched for, turned into the identity the login pipeline admits: the
// username claim through `auth.account_map`, the groups claim through `auth.group_map`.
import { HubError } from '../../errors/index.js';
import type { AccountMap } from '../account-map.js';
import type { Identity } from '../authenticator.js';
import type { OidcSettings } from './client.js';

/** A claim's values as strings: a list, or one string (some providers send a single group so). */
function stringValues(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

export function identityFromClaims(
  claims: Record<string, unknown>,
  settings: Pick<OidcSettings, 'name' | 'username_claim' | 'groups_claim'>,
  map: AccountMap,
): Identity {
  const raw = claims[settings.username_claim];
  const value = typeof raw === 'number' ? String(raw) : raw;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new HubError(
      'sso_failed',
      `${settings.name} did not say who you are (no "${settings.username_claim}" claim). Ask the cluster administrators to check the sign-in settings.`,
    );
  }
  const mapped = map.username(value);
  if (!mapped.ok) {
    throw new HubError(
      'sso_failed',
      `${value} cannot sign in to this hub: the name is not one it can map to a cluster account. Ask the cluster administrators.`,
      { detail: mapped.problem },
    );
  }
  const identity: Identity = { name: mapped.name, claimed: value };
  if (settings.groups_claim !== '') identity.groups = map.groups(stringValues(claims[settings.groups_claim]));
  return identity;
}
