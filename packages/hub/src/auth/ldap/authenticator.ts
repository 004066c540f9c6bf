// The `ldap` authenticator: passwords checked by binding to a directory with ldapts, either after
// finding the person with a service account (search-then-bind) or directly with a DN template,
// over LDAPS or StartTLS with the certificate verified; the person's groups read from the
// directory. Names reach filters and DNs only escaped (./escape.ts). A directory that cannot be
// reached is the hub's problem, not a wrong password: it throws, and the person is told so.
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Client, InvalidCredentialsError, NoSuchObjectError } from 'ldapts';
import type { HubConfig } from '../../config/index.js';
import { HubError } from '../../errors/index.js';
import type { AccountMap } from '../account-map.js';
import type { Authenticator, AuthResult } from '../authenticator.js';
import { escapeDnValue, escapeFilterValue, fillTemplate } from './escape.js';

export type LdapSettings = HubConfig['auth']['ldap'];

const INVALID: AuthResult = { ok: false, failure: { kind: 'invalid_credentials' } };

export interface LdapLog {
  warn(obj: object, msg: string): void;
}

/** A failure of the directory or of the hub's settings for it, never of the person's password. */
class DirectoryProblem extends Error {}

/** A sentence for what went wrong with the directory (ldapts's own messages are result codes). */
function describeDirectoryError(err: unknown): string {
  if (err instanceof InvalidCredentialsError)
    return 'the directory refused the service account (auth.ldap.bind_dn and its password)';
  if (err instanceof NoSuchObjectError)
    return 'an entry the settings name does not exist (auth.ldap.user_base?)';
  if (err instanceof Error) return err.message.trim() || err.name;
  return String(err);
}

/** TLS options for the directory: its CA (read once, when the hub starts) and certificate checks. */
function directoryTls(settings: LdapSettings): ConnectionOptions {
  const ca = settings.ca_file === '' ? undefined : [readFileSync(settings.ca_file)];
  return { ...(ca ? { ca } : {}), rejectUnauthorized: true, minVersion: 'TLSv1.2' };
}

/**
 * A connection to the directory: TLS from the first byte (ldaps://) or upgraded with StartTLS,
 * the certificate verified against `ca_file` (or the system's CAs) and the URL's host name.
 */
async function openDirectory(settings: LdapSettings, tlsOptions: ConnectionOptions): Promise<Client> {
  const timeout = settings.timeout_seconds * 1000;
  const ldaps = settings.url.startsWith('ldaps:');
  // ldapts speaks TLS from the first byte whenever it is given TLS options, so a connection that
  // StartTLS upgrades gets them only for the upgrade.
  const client = new Client({
    url: settings.url,
    timeout,
    connectTimeout: timeout,
    ...(ldaps ? { tlsOptions } : {}),
  });
  // The certificate is checked against the URL's host name (Node would assume "localhost").
  if (settings.start_tls && !ldaps)
    await client.startTLS({ ...tlsOptions, host: new URL(settings.url).hostname });
  return client;
}

/**
 * For `hpchub config check --connect`: connects as the hub would and, with a service account,
 * binds and looks at `user_base`. Resolves to what was checked; rejects with what failed.
 */
export async function probeDirectory(
  settings: LdapSettings,
  servicePassword: string | undefined,
): Promise<string> {
  const client = await openDirectory(settings, directoryTls(settings)).catch((err: unknown) => {
    throw new Error(describeDirectoryError(err));
  });
  try {
    if (settings.bind_dn === '')
      return `connected to ${settings.url}; people bind directly as ${settings.user_dn_template}`;
    await client.bind(settings.bind_dn, servicePassword);
    await client.search(settings.user_base, { scope: 'base', attributes: ['dn'] });
    return `connected to ${settings.url}, bound as ${settings.bind_dn}, ${settings.user_base} readable`;
  } catch (err) {
    throw new Error(describeDirectoryError(err));
  } finally {
    await client.unbind().catch(() => undefined);
  }
}

export function createLdapAuthenticator(
  settings: LdapSettings,
  servicePassword: string | undefined,
  map: AccountMap,
  log: LdapLog,
): Authenticator {
  if (settings.url === '') throw new Error('auth.ldap.url must be set for the ldap authenticator.');
  if (settings.bind_dn === '' && settings.user_dn_template === '')
    throw new Error('auth.ldap needs bind_dn (search-then-bind) or user_dn_template (direct bind).');
  if (settings.bind_dn !== '' && servicePassword === undefined)
    throw new Error('auth.ldap.bind_dn is set but its password is not (auth.ldap.bind_password_file).');
  const tls = directoryTls(settings);
  const connect = () => openDirectory(settings, tls);

  /** The person's DN: found by the service account, or made from the template. */
  async function userDn(client: Client, username: string): Promise<string | null> {
    if (settings.bind_dn === '')
      return fillTemplate(settings.user_dn_template, { username: escapeDnValue(username) });
    try {
      await client.bind(settings.bind_dn, servicePassword);
    } catch (err) {
      if (err instanceof InvalidCredentialsError)
        throw new DirectoryProblem(
          'the directory refused the service account (auth.ldap.bind_dn and its password)',
        );
      throw err;
    }
    const filter = fillTemplate(settings.user_filter, { username: escapeFilterValue(username) });
    const { searchEntries } = await client.search(settings.user_base, {
      scope: 'sub',
      filter,
      attributes: ['dn'],
      sizeLimit: 2,
    });
    if (searchEntries.length > 1) {
      // Two people for one name is a directory or filter mistake; neither may sign in as the other.
      log.warn(
        { user: username, matches: searchEntries.length },
        'ldap: the user filter matches several entries',
      );
      return null;
    }
    return searchEntries[0]?.dn ?? null;
  }

  async function groupsOf(client: Client, dn: string, username: string): Promise<string[] | undefined> {
    if (settings.group_base === '') return undefined;
    const filter = fillTemplate(settings.group_filter, {
      dn: escapeFilterValue(dn),
      username: escapeFilterValue(username),
    });
    const attribute = settings.group_name_attribute;
    const { searchEntries } = await client.search(settings.group_base, {
      scope: 'sub',
      filter,
      attributes: [attribute],
    });
    const names = searchEntries.flatMap((entry) => {
      const value = entry[attribute];
      return (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string');
    });
    return map.groups(names);
  }

  async function check(username: string, password: string): Promise<AuthResult> {
    // An empty password would be an unauthenticated bind, which directories accept as anonymous.
    if (password === '') return INVALID;
    const client = await connect();
    try {
      const dn = await userDn(client, username);
      if (dn === null) return INVALID;
      try {
        await client.bind(dn, password);
      } catch (err) {
        if (err instanceof InvalidCredentialsError) return INVALID;
        throw err;
      }
      const groups = await groupsOf(client, dn, username);
      return { ok: true, identity: { name: username, claimed: username, ...(groups ? { groups } : {}) } };
    } finally {
      await client.unbind().catch(() => undefined);
    }
  }

  return {
    id: 'ldap',
    async authenticate(username, password) {
      try {
        return await check(username, password);
      } catch (err) {
        const reason = describeDirectoryError(err);
        log.warn(
          { url: settings.url, reason, code: (err as { code?: unknown }).code },
          'ldap: the directory could not be used',
        );
        throw new HubError(
          'unavailable',
          'The directory that checks passwords cannot be reached. Try again in a few minutes.',
          {
            detail: err instanceof DirectoryProblem ? reason : undefined,
          },
        );
      }
    },
    // Each sign-in opens and closes its own connection; nothing stays open.
    async close() {},
  };
}
