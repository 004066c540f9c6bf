// `auth.ldap`: the options of the `ldap` authenticator, which checks passwords against a directory
// (OpenLDAP, 389 Directory Server, Active Directory) and reads the person's groups from it.
import { Type } from '@sinclair/typebox';
import { section } from './declare.js';

export const LdapSection = section('Options of the `ldap` authenticator.', {
  url: Type.String({
    default: '',
    pattern: '^(|ldaps?://\\S+)$',
    errorMessage: 'empty, or an ldap:// or ldaps:// URL',
    description:
      'The directory, e.g. `ldaps://ldap.uni.example`. With `ldap://`, set `auth.ldap.start_tls` so that ' +
      'passwords never cross the network in clear.',
  }),
  start_tls: Type.Boolean({
    default: false,
    description: 'Upgrade an `ldap://` connection with StartTLS before anything else is sent.',
  }),
  ca_file: Type.String({
    default: '',
    description:
      'PEM file of the CA that signed the directory’s certificate. Empty: the system’s CAs. The certificate ' +
      'is always verified, host name included.',
  }),
  bind_dn: Type.String({
    default: '',
    description:
      'Service account for search-then-bind (e.g. `cn=hpchub,ou=services,dc=uni,dc=example`): the hub finds the ' +
      'person with `user_filter`, then binds as them. Empty: bind directly with `user_dn_template`.',
  }),
  bind_password_file: Type.String({
    default: '',
    description:
      'File holding the service account’s password (readable by the hub only). Empty: read from the ' +
      'environment variable `HPCHUB_LDAP_BIND_PASSWORD`.',
  }),
  user_base: Type.String({
    default: '',
    description: 'Where people are searched, e.g. `ou=people,dc=uni,dc=example`.',
  }),
  user_filter: Type.String({
    default: '(&(objectClass=posixAccount)(uid={username}))',
    description:
      'Search filter for a person; `{username}` is replaced by the name typed, escaped as RFC 4515 requires.',
  }),
  user_dn_template: Type.String({
    default: '',
    description:
      'Without a service account: the person’s DN, e.g. `uid={username},ou=people,dc=uni,dc=example`; ' +
      '`{username}` is escaped as RFC 4514 requires.',
  }),
  group_base: Type.String({
    default: '',
    description:
      'Where groups are searched, e.g. `ou=groups,dc=uni,dc=example`. Empty: groups are not read from the directory.',
  }),
  group_filter: Type.String({
    default: '(|(&(objectClass=groupOfNames)(member={dn}))(&(objectClass=posixGroup)(memberUid={username})))',
    description:
      'Search filter for the person’s groups; `{dn}` (their DN) and `{username}` are escaped as RFC 4515 requires.',
  }),
  group_name_attribute: Type.String({
    minLength: 1,
    default: 'cn',
    description: 'The attribute of a group entry that names it.',
  }),
  timeout_seconds: Type.Integer({
    minimum: 1,
    maximum: 120,
    default: 10,
    description:
      'How long the hub waits to connect and for each answer before saying the directory is unavailable.',
  }),
});
