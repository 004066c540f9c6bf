// The real system users that PAM and job tests log in as, created by scripts/provision/users.sh
// (idempotent and quick; it also repairs what another test changed). Creating users needs root:
// without it the tests that need them fail with the command to run, instead of skipping. Tests
// change them (passwords, jobs, files), so only *.e2e.test.ts files, run one at a time, use them.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface TestSystemUser {
  name: string;
  password: string;
  uid: number;
  home: string;
}

const USERS_SCRIPT = fileURLToPath(new URL('../../../../scripts/provision/users.sh', import.meta.url));
const USERS_FILE = '/etc/hpchub-test/users.json';

export const isRoot = process.getuid?.() === 0;

/** Provisions (or repairs) the test users and returns them by name. */
export function testSystemUsers(): Record<string, TestSystemUser> {
  if (process.env.HPCHUB_TEST_LANE === 'isolated')
    throw new Error(
      'The test system users are for *.e2e.test.ts files, which run one at a time; this test file ' +
        'runs beside them (scripts/run-tests.mjs): name it *.e2e.test.ts.',
    );
  if (!isRoot) {
    throw new Error(
      'These tests log in as real system users, which only root can create: run `sudo npm test` ' +
        '(or once: sudo bash scripts/provision/users.sh, then run the tests as root).',
    );
  }
  execFileSync('bash', [USERS_SCRIPT], { stdio: ['ignore', 'ignore', 'inherit'] });
  const raw = JSON.parse(readFileSync(USERS_FILE, 'utf8')) as Record<string, Omit<TestSystemUser, 'name'>>;
  return Object.fromEntries(Object.entries(raw).map(([name, u]) => [name, { name, ...u }]));
}

/** One provisioned user, failing clearly if the provisioning script no longer makes it. */
export function testSystemUser(users: Record<string, TestSystemUser>, name: string): TestSystemUser {
  const user = users[name];
  if (!user) throw new Error(`scripts/provision/users.sh did not create ${name}`);
  return user;
}
