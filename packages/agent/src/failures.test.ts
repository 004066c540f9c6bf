// Starts that fail, each with a message a user can act on: the app's command is missing, the
// app exits at once (its last lines are reported), the app never answers, the launch spec is
// invalid, the hub refuses `ready`, the job script could not load a module; and a running app
// whose hub no longer knows its server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AGENT_ENV, AGENT_JOB_ENV, AGENT_TUNING_ENV, UNKNOWN_SERVER_CODE } from '@hpchub/protocol';
import { type AgentRun, alive, NODE, Sandbox, startAgent, testSpec } from './test-support/agent-process.js';

let sandbox: Sandbox;
const runs: AgentRun[] = [];
before(() => {
  sandbox = new Sandbox();
});
after(async () => {
  await Promise.all(runs.map((r) => r.stop()));
  sandbox.cleanup();
});

async function start(...args: Parameters<typeof startAgent>): Promise<AgentRun> {
  const run = await startAgent(...args);
  runs.push(run);
  return run;
}

test('a missing app command: stopping with app_not_found, naming the command and PATH', async () => {
  const run = await start(sandbox, {
    spec: testSpec(sandbox.app, { command: ['jupyter-lab-not-installed', '--sock={socket}'] }),
    env: { PATH: '/usr/local/bin:/usr/bin:/bin' },
  });
  const stopping = await run.hub.waitFor('stopping');
  assert.equal(stopping.body.reason, 'app_not_found');
  assert.match(stopping.body.message, /jupyter-lab-not-installed was not found/);
  assert.match(stopping.body.message, /PATH=\/usr\/local\/bin:\/usr\/bin:\/bin/);
  assert.equal((await run.exited).code, 127);
  assert.equal(run.hub.of('ready').length, 0);
});

test('an app that exits at once: stopping with app_exited, its exit code and last lines', async () => {
  const run = await start(sandbox, {
    spec: testSpec(sandbox.app, { command: [NODE, sandbox.app, '--exit-at-once', '3'] }),
  });
  const stopping = await run.hub.waitFor('stopping');
  assert.equal(stopping.body.reason, 'app_exited');
  assert.equal(stopping.body.exit_code, 3);
  assert.match(stopping.body.message, /^Test App exited with code 3\. Its last output:\n/);
  assert.match(stopping.body.message, /failure line 25$/);
  assert.doesNotMatch(stopping.body.message, /failure line 5\n/, 'only the last lines');
  assert.equal((await run.exited).code, 3);
});

test('an app that never answers its ready path: app_failed_to_start after the start timeout', async () => {
  const spec = testSpec(sandbox.app, { startTimeoutSeconds: 1 });
  spec.command.push('--never-ready', '--say', 'still warming up');
  const run = await start(sandbox, { spec });
  const stopping = await run.hub.waitFor('stopping');
  assert.equal(stopping.body.reason, 'app_failed_to_start');
  assert.match(
    stopping.body.message,
    /Test App did not answer \/ready within 1 s \(last attempt: HTTP 503\)/,
  );
  assert.match(stopping.body.message, /still warming up/);
  assert.equal((await run.exited).code, 1);
  const pid = run.logs().find((l) => l.event === 'app_started')?.pid as number;
  assert.equal(alive(pid), false, 'the app was stopped');
});

test('an invalid launch spec: exit 2 with every problem on stderr, and the hub told why', async () => {
  const spec = { ...testSpec(sandbox.app), listen: 'pipe', extra: true, command: ['x', '{port}'] };
  const run = await start(sandbox, { spec: JSON.stringify(spec) });
  assert.equal((await run.exited).code, 2);
  const line = run.logs().find((l) => l.event === 'invalid_settings');
  assert.ok(line, run.stderr());
  const problems = (line.problems as string[]).join('\n');
  assert.match(problems, /HPCHUB_AGENT_SPEC\/listen/);
  assert.match(problems, /HPCHUB_AGENT_SPEC/);
  const stopping = await run.hub.waitFor('stopping');
  assert.equal(stopping.body.reason, 'app_failed_to_start');
  assert.match(stopping.body.message, /cannot start/);
});

test('a placeholder the agent cannot fill is an invalid spec', async () => {
  const run = await start(sandbox, {
    spec: testSpec(sandbox.app, { command: [NODE, '--port={port}', '--dir={option:logdir}'] }),
  });
  assert.equal((await run.exited).code, 2);
  const problems = String(run.logs().find((l) => l.event === 'invalid_settings')?.problems);
  assert.match(problems, /command\[1\]: \{port\} is only available when the app listens on tcp/);
  assert.match(problems, /command\[2\]: \{option:logdir\} names no user option/);
});

test('missing environment: exit 2 without contacting anyone, the secret never printed', async () => {
  const run = await start(sandbox, { spec: testSpec(sandbox.app), env: { [AGENT_ENV.serverId]: '' } });
  assert.equal((await run.exited).code, 2);
  assert.match(run.stderr(), /HPCHUB_AGENT_SERVER_ID is not set/);
  assert.ok(!run.stderr().includes(run.secret));
  assert.equal(run.hub.messages.length, 0);
});

test('the hub refuses ready: the agent stops the app and exits 1', async () => {
  const run = await start(sandbox, { spec: testSpec(sandbox.app), hubScript: { ready: [403] } });
  assert.equal((await run.exited).code, 1);
  assert.ok(
    run
      .logs()
      .some((l) => l.event === 'stopping' && /refused the ready message \(HTTP 403/.test(String(l.message))),
  );
  const pid = run.logs().find((l) => l.event === 'app_started')?.pid as number;
  assert.equal(alive(pid), false);
  assert.equal(run.hub.of('stopping').length, 0);
});

test('a hub that no longer knows the server: the agent stops the app and exits 3 at that heartbeat', async () => {
  const unknown = { status: 404, code: UNKNOWN_SERVER_CODE };
  const run = await start(sandbox, {
    spec: testSpec(sandbox.app),
    env: { [AGENT_TUNING_ENV.heartbeatSeconds]: '0.2' },
    // Refusals that do not say so (a 404 from a proxy in front, a 403, a hub restarting) are not it.
    hubScript: { heartbeat: [404, 403, 503, unknown] },
  });
  assert.equal((await run.exited).code, 3);
  const beats = run.hub.refused.filter((m) => m.kind === 'heartbeat');
  assert.equal(beats.length, 4, 'it stopped at the first heartbeat the hub did not know, not later');
  assert.equal(run.hub.of('heartbeat').length, 0);
  const pid = run.logs().find((l) => l.event === 'app_started')?.pid as number;
  assert.equal(alive(pid), false, 'the app is stopped');
  assert.ok(
    run.logs().some((l) => l.event === 'stopping' && /no longer knows this server/.test(String(l.message))),
  );
  assert.equal(run.hub.of('stopping').length, 0, 'nothing to tell a hub that does not know it');
});

test('a picker root that does not exist: app_failed_to_start naming it', async () => {
  const run = await start(sandbox, {
    spec: testSpec(sandbox.app, {
      options: { logdir: '.' },
      picker: { option: 'logdir', root: 'no-such-runs', title: 'Choose' },
      command: [NODE, sandbox.app, '--socket', '{socket}', '--dir', '{option:logdir}'],
    }),
    env: { HOME: sandbox.dir },
  });
  const stopping = await run.hub.waitFor('stopping');
  assert.equal(stopping.body.reason, 'app_failed_to_start');
  assert.match(stopping.body.message, /no-such-runs to choose from cannot be opened \(ENOENT\)/);
  assert.equal((await run.exited).code, 1);
});

test('the job script could not load a module: app_failed_to_start with the module system’s words, no app', async () => {
  const lmod = `Lmod has detected the following error: The following module(s) are unknown:\n"nosuch/1.0"\n\n\n\n\u001b[1mPlease check the spelling\u001b[0m`;
  const run = await start(sandbox, {
    spec: testSpec(sandbox.app),
    env: { [AGENT_JOB_ENV.failure]: `Loading the modules nosuch/1.0 failed: ${lmod}` },
  });
  const stopping = await run.hub.waitFor('stopping');
  assert.equal(stopping.body.reason, 'app_failed_to_start');
  assert.equal(
    stopping.body.message,
    'Loading the modules nosuch/1.0 failed: Lmod has detected the following error: The following module(s) are unknown:\n"nosuch/1.0"\n\nPlease check the spelling',
  );
  assert.equal((await run.exited).code, 1);
  assert.equal(run.logs().filter((l) => l.event === 'app_started').length, 0, 'the app never started');
  assert.equal(run.hub.of('ready').length, 0);
});

test('what the job script loaded is the first progress message; a long failure is cut to what the hub takes', async () => {
  const loaded = await start(sandbox, {
    spec: testSpec(sandbox.app),
    env: { [AGENT_JOB_ENV.progress]: 'Modules loaded: gcc/12.2.0 python/3.11.6' },
  });
  await loaded.hub.waitFor('ready');
  assert.equal(loaded.hub.of('progress')[0]?.body.message, 'Modules loaded: gcc/12.2.0 python/3.11.6');
  const long = await start(sandbox, {
    spec: testSpec(sandbox.app),
    env: { [AGENT_JOB_ENV.failure]: 'x'.repeat(100_000) },
  });
  const stopping = await long.hub.waitFor('stopping');
  assert.equal(stopping.body.message.length, 4000);
  assert.equal((await long.exited).code, 1);
});
