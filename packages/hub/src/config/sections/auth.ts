// The `auth` section: which authenticator checks passwords, who may log in, brute-force
// protection of the login form, single sign-on and how its names and groups map onto the
// cluster's accounts, and the options of the PAM authenticator.
import { Type } from '@sinclair/typebox';
import { AccountMapSection } from './account-map.js';
import { oneOf, section, userList } from './declare.js';
import { LdapSection } from './ldap.js';
import { OidcSection } from './oidc.js';

export const AuthSection = section('Who may log in and how.', {
  authenticator: oneOf(['local', 'pam', 'ldap'], {
    default: 'local',
    description:
      '`local` checks passwords stored (hashed) in the hub database; `pam` checks them with the ' +
      'system’s PAM stack, so users log in with their cluster account; `ldap` checks them against a ' +
      'directory (`auth.ldap`).',
  }),
  admin_users: userList('Users who are administrators. They may always log in.'),
  allowed_users: userList('Users who may log in when `auth.allow_all` is false.'),
  blocked_users: userList('Users who may never log in, whatever the other lists say.'),
  allowed_groups: userList(
    'Members of these groups may log in when `auth.allow_all` is false (groups as reported by ' +
      'the authenticator, e.g. Unix groups with PAM).',
  ),
  admin_groups: userList(
    'Members of these groups are administrators (groups as reported by the authenticator: Unix groups ' +
      'with PAM, directory groups with LDAP, the groups claim with OpenID Connect). When set, such a group is what makes an admin: ' +
      'leaving it ends the admin rights at the next sign-in, unless the user is in `auth.admin_users`.',
  ),
  sync_groups: Type.Boolean({
    default: false,
    description:
      'At each sign-in, make the user’s hub group memberships exactly the groups the authenticator ' +
      'reports (creating groups as needed), so that a directory’s groups drive `slurm.group_partitions`.',
  }),
  group_map: userList(
    'Renames groups as they arrive from single sign-on or LDAP, as `VALUE: GROUP`, e.g. `/hpc/admins: hpc-admins`. ' +
      'Values not listed keep their name; names that are not valid group names are ignored.',
  ),
  password_login: Type.Boolean({
    default: true,
    description:
      'Offer the username and password form (checked by `auth.authenticator`) on the login page. Turn off ' +
      'when everyone signs in through `auth.oidc`.',
  }),
  no_account_text: Type.String({
    default:
      'To use the cluster you need an account on it. Apply for one with the cluster administrators, then sign in here again.',
    maxLength: 4000,
    description:
      'With the Slurm spawner, what a person signed in through single sign-on reads when their name is not an ' +
      'account on the cluster (Markdown): say how to apply for one.',
  }),
  account_map: AccountMapSection,
  oidc: OidcSection,
  allow_all: Type.Boolean({
    default: true,
    description:
      'Whether every user the authenticator accepts may log in. When false, only ' +
      '`auth.admin_users`, `auth.allowed_users` and members of `auth.allowed_groups` may.',
  }),
  rate_limit: section('Brute-force protection for the login form.', {
    max_failures_per_user: Type.Integer({
      minimum: 1,
      default: 5,
      description: 'Failed logins for one username within the window before that username is locked out.',
    }),
    max_failures_per_address: Type.Integer({
      minimum: 1,
      default: 20,
      description: 'Failed logins from one client address within the window before it is locked out.',
    }),
    window_seconds: Type.Integer({
      minimum: 1,
      default: 600,
      description: 'Length of the window in which failures are counted, in seconds.',
    }),
    lockout_seconds: Type.Integer({
      minimum: 1,
      default: 600,
      description: 'How long a locked-out username or address must wait, in seconds.',
    }),
  }),
  ldap: LdapSection,
  pam: section('Options of the `pam` authenticator.', {
    service: Type.String({
      minLength: 1,
      default: 'login',
      description: 'PAM service name, i.e. the file in /etc/pam.d/ that is used.',
    }),
    require_home: Type.Boolean({
      default: true,
      description:
        'Refuse a login whose account has no home directory yet, with a message saying so, ' +
        'instead of failing later when a server starts.',
    }),
  }),
});
