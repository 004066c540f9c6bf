// The real apps that end-to-end tests start as test users, as scripts/provision/apps.sh leaves them
// in /opt/hpchub-test (outside the checkout, root-owned, world-readable): each one runs as an
// ordinary test user and reports the expected version. Nothing is started for longer than that.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const PREFIX = '/opt/hpchub-test';
const VENV_BIN = `${PREFIX}/venv/bin`;
const CODE_SERVER = `${PREFIX}/code-server/node_modules/.bin/code-server`;
const CODE_SERVER_VERSION = '4.100.3';
const TEST_USER = 'hpchub-alice';
const PROVISION = 'sudo bash scripts/provision/apps.sh';

let testUserHome: Promise<string> | undefined;

/** The test user's home directory; throws with the provisioning command when the user is missing. */
function homeOfTestUser(): Promise<string> {
  testUserHome ??= execFileAsync('getent', ['passwd', TEST_USER]).then(
    ({ stdout }) => stdout.split(':')[5] ?? '/',
    (error: unknown) => {
      throw new Error(`test user ${TEST_USER} does not exist — run: sudo bash scripts/provision/users.sh`, {
        cause: error,
      });
    },
  );
  return testUserHome;
}

/**
 * Runs `file args` as the test user with a clean environment (HOME, PATH=/usr/bin:/bin) from /,
 * the way a job runs it; resolves to stdout. Throws with the provisioning command when the file is
 * missing or not executable, or when the command fails.
 */
async function runAsTestUser(file: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  if (process.getuid?.() !== 0) {
    throw new Error(
      'These tests run the apps as a test user with runuser, which needs root: run `sudo npm test`.',
    );
  }
  try {
    await access(file, constants.X_OK);
  } catch (error) {
    throw new Error(`${file} is missing or not executable — run: ${PROVISION}`, { cause: error });
  }
  const home = await homeOfTestUser();
  const argv = [
    '-u',
    TEST_USER,
    '--',
    'env',
    '-i',
    `HOME=${home}`,
    'PATH=/usr/bin:/bin',
    'LANG=C.UTF-8',
    file,
    ...args,
  ];
  try {
    const { stdout, stderr } = await execFileAsync('runuser', argv, { cwd: '/', timeout: 60_000 });
    return { stdout: stdout.trim(), stderr: stderr.trim() };
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new Error(
      `${[file, ...args].join(' ')} failed as ${TEST_USER}: ${stderr || (error as Error).message} — run: ${PROVISION}`,
      { cause: error },
    );
  }
}

describe('apps in /opt/hpchub-test, run as a test user', () => {
  test('jupyter-lab --version is 4.x', async () => {
    const { stdout } = await runAsTestUser(`${VENV_BIN}/jupyter-lab`, ['--version']);
    assert.match(
      stdout,
      /^4\.\d+\.\d+/,
      `jupyter-lab --version printed '${stdout}', expected 4.x — run: ${PROVISION}`,
    );
  });

  test('jupyter-notebook --version is 7.x (classic Notebook)', async () => {
    const { stdout } = await runAsTestUser(`${VENV_BIN}/jupyter-notebook`, ['--version']);
    assert.match(
      stdout,
      /^7\.\d+\.\d+/,
      `jupyter-notebook --version printed '${stdout}', expected 7.x — run: ${PROVISION}`,
    );
  });

  test('tensorboard answers --version, and the venv imports jupyter_server and tensorboard', async () => {
    // TensorBoard notes on stderr that TensorFlow is absent; that reduced feature set is intended.
    const { stdout } = await runAsTestUser(`${VENV_BIN}/tensorboard`, ['--version']);
    assert.match(stdout, /^\d+\.\d+\.\d+/, `tensorboard --version printed '${stdout}' — run: ${PROVISION}`);
    await runAsTestUser(`${VENV_BIN}/python`, ['-c', 'import jupyter_server, tensorboard']);
  });

  test(`code-server --version is ${CODE_SERVER_VERSION}`, async () => {
    // --config /dev/null: otherwise code-server writes a default config into the user's home.
    const { stdout } = await runAsTestUser(CODE_SERVER, ['--config', '/dev/null', '--version']);
    assert.ok(
      stdout.startsWith(`${CODE_SERVER_VERSION} `),
      `code-server --version printed '${stdout}', expected ${CODE_SERVER_VERSION} — run: ${PROVISION}`,
    );
  });
});
