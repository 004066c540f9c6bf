// The `auth` section: which authenticator checks passwords, who may log in, brute-force
// protection of the login form, and the options of the PAM authenticator.
import { Type } from '@sinclair/typebox';
import { oneOf, section, userList } from './declare.js';

export const AuthSection = section('Who may log in and how.', {
  authenticator: oneOf(['local', 'pam'], {
    default: 'local',
    description:
      '`local` checks passwords stored (hashed) in the hub database; `pam` checks them with the ' +
      'system’s PAM stack, so users log in with their cluster account.',
  }),
  admin_users: userList('Users who are administrators. They may always log in.'),
  allowed_users: userList('Users who may log in when `auth.allow_all` is false.'),
  blocked_users: userList('Users who may never log in, whatever the other lists say.'),
  allowed_groups: userList(
    'Members of these groups may log in when `auth.allow_all` is false (groups as reported by ' +
      'the authenticator, e.g. Unix groups with PAM).',
  ),
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
