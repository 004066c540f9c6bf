// Reading the agent's environment: all problems at once, the secret never echoed, placeholders
// filled (or refused) as the protocol documents.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AGENT_ENV, AGENT_JOB_ENV, AGENT_TUNING_ENV, type AgentLaunchSpec } from '@hpchub/protocol';
import { fillPlaceholders, PlaceholderError, type PlaceholderValues } from './placeholders.js';
import { readSettings, SettingsError } from './settings.js';

const SPEC: AgentLaunchSpec = {
  app: 'jupyterlab',
  command: [
    'jupyter-lab',
    '--ServerApp.sock={socket}',
    '--ServerApp.base_url={prefix}',
    '--IdentityProvider.token={token}',
  ],
  env: { JUPYTER_RUNTIME_DIR: '{workdir}/runtime' },
  listen: 'unix',
  prefix: '/user/alice/',
  prefixMode: 'keep',
  readyPath: '/api/status',
  appAuth: { kind: 'token-header' },
  startTimeoutSeconds: 120,
  options: {},
};
const SECRET = 'S3cr3t-value-that-is-long-enough';

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    HOME: '/home/alice',
    [AGENT_ENV.hubUrl]: 'https://hub.example:8443/hub/api/agent',
    [AGENT_ENV.secret]: SECRET,
    [AGENT_ENV.serverId]: '7',
    [AGENT_ENV.spec]: JSON.stringify(SPEC),
    ...extra,
  };
}

function settingsError(e: NodeJS.ProcessEnv): SettingsError {
  try {
    readSettings(e);
  } catch (err) {
    assert.ok(err instanceof SettingsError);
    return err;
  }
  return assert.fail('expected a SettingsError');
}

test('reads a valid environment with defaults', () => {
  const s = readSettings(env({ [AGENT_ENV.hubFingerprint]: 'AB:'.repeat(31).concat('AB') }));
  assert.equal(s.hubUrl.href, 'https://hub.example:8443/hub/api/agent');
  assert.equal(s.hubFingerprint, 'ab'.repeat(32));
  assert.equal(s.bindHost, '0.0.0.0');
  assert.equal(s.bindPort, 0);
  assert.equal(s.heartbeatMs, 60_000);
  assert.equal(s.home, '/home/alice');
  assert.deepEqual(s.spec, SPEC);
});

test('reads when the job script began from its $EPOCHREALTIME, and nothing else', () => {
  const at = (value: string | undefined) =>
    readSettings(env(value === undefined ? {} : { [AGENT_JOB_ENV.started]: value })).job.startedAt;
  assert.equal(at('1796551877.594989'), '2026-12-06T10:11:17.594Z');
  assert.equal(at('1796551877,5'), '2026-12-06T10:11:17.500Z');
  for (const bad of [undefined, '', '$(id)', '17965518775', '1.2.3', '-1.5'])
    assert.equal(at(bad), undefined, bad);
});

test('reads the tuning variables', () => {
  const s = readSettings(
    env({
      [AGENT_TUNING_ENV.bind]: '127.0.0.1',
      [AGENT_TUNING_ENV.port]: '8443',
      [AGENT_TUNING_ENV.host]: 'node042-ib',
      [AGENT_TUNING_ENV.heartbeatSeconds]: '15',
    }),
  );
  assert.deepEqual(
    [s.bindHost, s.bindPort, s.advertisedHost, s.heartbeatMs],
    ['127.0.0.1', 8443, 'node042-ib', 15_000],
  );
});

test('lists every problem at once, never the secret', () => {
  const bad = { ...SPEC, listen: 'fifo', unknown: 1 };
  const e = settingsError(
    env({
      [AGENT_ENV.hubUrl]: 'ftp://hub',
      [AGENT_ENV.secret]: 'short secret',
      [AGENT_ENV.spec]: JSON.stringify(bad),
      [AGENT_TUNING_ENV.port]: '70000',
    }),
  );
  assert.ok(e.problems.some((p) => p.includes('HPCHUB_AGENT_HUB_URL must be an http or https URL')));
  assert.ok(e.problems.some((p) => p.includes('HPCHUB_AGENT_SECRET must be at least 16 characters')));
  assert.ok(e.problems.some((p) => p.startsWith('HPCHUB_AGENT_SPEC/listen')));
  assert.ok(e.problems.some((p) => p.includes('HPCHUB_AGENT_PORT')));
  assert.ok(!e.message.includes('short secret'));
  assert.equal(e.hub, undefined, 'the hub cannot be told with a bad URL and secret');
});

test('a bad spec with a good hub contact can be reported to the hub', () => {
  const err = settingsError(env({ [AGENT_ENV.spec]: '{not json' }));
  assert.match(err.problems[0] ?? '', /HPCHUB_AGENT_SPEC is not JSON/);
  assert.equal(err.hub?.serverId, '7');
});

test('fills placeholders; leaves other braces alone; refuses what it cannot fill', () => {
  const v: PlaceholderValues = {
    socket: '/tmp/w/app.sock',
    prefix: '/user/alice/tb/',
    token: 'T0K',
    workdir: '/tmp/w',
    user: 'alice',
    options: { logdir: '/home/alice/runs', cores: 4, gpu: false },
  };
  assert.equal(
    fillPlaceholders(
      '--a={socket} {prefix} {prefix_path} {token} {workdir} {user} {option:logdir} {option:cores} {option:gpu}',
      v,
    ),
    '--a=/tmp/w/app.sock /user/alice/tb/ /user/alice/tb T0K /tmp/w alice /home/alice/runs 4 false',
  );
  assert.equal(
    fillPlaceholders('{"json": {x}} {PORT} {option:logdir', v),
    '{"json": {x}} {PORT} {option:logdir',
  );
  assert.throws(() => fillPlaceholders('{port}', v), PlaceholderError);
  assert.throws(() => fillPlaceholders('{option:missing}', v), /names no user option/);
});
