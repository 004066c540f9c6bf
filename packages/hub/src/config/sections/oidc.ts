// `auth.oidc`: signing in through an OpenID Connect provider (Keycloak, Entra ID, SWITCH edu-ID,
// an OIDC bridge in front of Shibboleth), or a plain OAuth 2.0 provider such as GitHub that
// names its endpoints instead of publishing discovery metadata.
import { Type } from '@sinclair/typebox';
import { section, userList } from './declare.js';

const url = (description: string) =>
  Type.String({
    default: '',
    pattern: '^(|https?://\\S+)$',
    errorMessage: 'empty, or an http(s) URL',
    description,
  });

export const OidcSection = section('Single sign-on through an OpenID Connect (or OAuth 2.0) provider.', {
  issuer: url(
    'The provider’s issuer URL, e.g. `https://keycloak.uni.example/realms/hpc`; its metadata is read from ' +
      '`/.well-known/openid-configuration` below it. Empty: no single sign-on.',
  ),
  name: Type.String({
    minLength: 1,
    maxLength: 80,
    default: 'your institution',
    description: 'The provider’s name as people know it: the login page says “Sign in with NAME”.',
  }),
  client_id: Type.String({ default: '', description: 'The client id the provider gave this hub.' }),
  client_secret_file: Type.String({
    default: '',
    description:
      'File holding the client secret (readable by the hub only). Empty: the secret is read from the ' +
      'environment variable `HPCHUB_OIDC_CLIENT_SECRET`; without either the hub is a public client (PKCE only).',
  }),
  scopes: Type.Array(
    Type.String({ pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$', errorMessage: 'a scope token' }),
    {
      default: ['openid', 'profile', 'email'],
      description:
        'Scopes requested. Without `openid` the provider is used as plain OAuth 2.0 (see `userinfo_url`).',
    },
  ),
  extra_params: userList(
    'Extra parameters for the authorization request, as `NAME=VALUE`, e.g. `prompt=login` or `kc_idp_hint=saml`.',
  ),
  username_claim: Type.String({
    minLength: 1,
    default: 'preferred_username',
    description: 'The claim whose value becomes the hub username, after `auth.account_map`.',
  }),
  groups_claim: Type.String({
    default: '',
    description:
      'The claim listing the user’s groups (e.g. `groups`), mapped by `auth.group_map`; they count for ' +
      '`auth.admin_groups`, `auth.allowed_groups` and, with `auth.sync_groups`, become hub groups. Empty: none.',
  }),
  redirect_url: url(
    'The callback URL registered with the provider, ending in `/hub/oidc/callback`. Empty: built from the ' +
      'address the browser used (behind a reverse proxy, name it in `trusted_proxies`).',
  ),
  authorization_url: url('For a provider without discovery (GitHub): its authorization endpoint.'),
  token_url: url('For a provider without discovery (GitHub): its token endpoint.'),
  userinfo_url: url(
    'Where the user’s claims are fetched with the access token (GitHub: `https://api.github.com/user`). ' +
      'Empty: the provider’s userinfo endpoint when groups or the username are missing from the ID token.',
  ),
  logout: Type.Boolean({
    default: true,
    description:
      'Signing out of the hub also signs out at the provider (RP-initiated logout), where the provider supports it.',
  }),
  clock_tolerance_seconds: Type.Integer({
    minimum: 0,
    maximum: 600,
    default: 60,
    description: 'Tolerated difference between the provider’s clock and the hub’s when checking token times.',
  }),
  timeout_seconds: Type.Integer({
    minimum: 1,
    maximum: 120,
    default: 10,
    description: 'How long the hub waits for each answer from the provider before saying it is unavailable.',
  }),
});
