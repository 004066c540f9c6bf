// The real OpenLDAP directory of the LDAP login tests, as scripts/provision/ldap.sh sets it up
// (a slapd of its own with a test CA, LDAPS and StartTLS, people and groups). Running the script
// is quick when the directory answers, and repairs the test tree when a test changed it; without
// root the tests fail with the command to run.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isRoot } from './system-users.js';

const SCRIPT = fileURLToPath(new URL('../../../../scripts/provision/ldap.sh', import.meta.url));
const ETC = '/etc/hpchub-test/ldap';

export interface TestDirectory {
  ldapsUrl: string;
  /** Plain LDAP, for StartTLS. */
  ldapUrl: string;
  base: string;
  peopleBase: string;
  groupBase: string;
  caFile: string;
  serviceDn: string;
  servicePasswordFile: string;
  /** Test logins and their passwords: ada (hpc-users, hpc-admins), bob (hpc-users), carol (no group). */
  passwords: Record<'ada' | 'bob' | 'carol', string>;
}

export function testDirectory(): TestDirectory {
  if (!isRoot) {
    throw new Error(
      'The LDAP tests need the test directory, which only root can set up: run `sudo npm test` ' +
        '(or once: sudo bash scripts/provision/ldap.sh, then run the tests as root).',
    );
  }
  execFileSync('bash', [SCRIPT], { stdio: ['ignore', 'ignore', 'inherit'] });
  const base = 'dc=hpchub,dc=test';
  return {
    ldapsUrl: 'ldaps://127.0.0.1:3636',
    ldapUrl: 'ldap://127.0.0.1:3389',
    base,
    peopleBase: `ou=people,${base}`,
    groupBase: `ou=groups,${base}`,
    caFile: `${ETC}/ca.pem`,
    serviceDn: `cn=hub-reader,ou=services,${base}`,
    servicePasswordFile: `${ETC}/bind-password`,
    passwords: JSON.parse(readFileSync(`${ETC}/people.json`, 'utf8')),
  };
}
