// Schemathesis, the real tool, against the hub's REST API as its OpenAPI document
// (/hub/api/openapi.json) describes it: with an ordinary user's token and with an admin's, every
// phase (examples, coverage and fuzzing in one run; stateful sequences through the document's
// links in another) and every check (no 5xx, every answer's status, headers and body as
// documented, bad input refused, authentication not ignored, undeclared methods answered 405).
// Each run is bounded in time; the user's and the admin's run two at a time, each against a hub of
// its own. With the user's token, other users' data must come out unchanged.
// Servers are started by the fake spawner: what is under test is the API, not the spawner.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createFakeSpawner } from '../packages/hub/src/test-support/fake-spawner.js';
import { TestHub } from '../packages/hub/src/test-support/hub.js';

const SCHEMATHESIS = '/opt/hpchub-schemathesis/venv/bin/schemathesis';
const CONFIG = join(new URL('.', import.meta.url).pathname, 'schemathesis.toml');
/** Seconds per run (four runs); HPCHUB_TEST_FUZZ_SECONDS runs them longer (or shorter). */
const SECONDS = process.env.HPCHUB_TEST_FUZZ_SECONDS ?? '30';

function requireSchemathesis(): void {
  if (!existsSync(SCHEMATHESIS))
    throw new Error(
      `Schemathesis is not installed at ${SCHEMATHESIS} — run: sudo bash scripts/provision/schemathesis.sh`,
    );
}

const ARTIFACTS = join(new URL('..', import.meta.url).pathname, 'test-artifacts');

/**
 * Runs Schemathesis against the hub with the token; resolves with its exit code and output, also
 * kept in test-artifacts/schemathesis-NAME.log.
 */
async function schemathesis(
  hub: TestHub,
  token: string,
  name: string,
  users: string[],
  phases: string,
): Promise<{ code: number | null; output: string }> {
  // The base configuration, plus the names of real users and groups for path parameters most of
  // the time, so that requests reach existing resources (of the caller and of others).
  mkdirSync(ARTIFACTS, { recursive: true });
  const config = join(ARTIFACTS, `schemathesis-${name}.toml`);
  writeFileSync(
    config,
    `${readFileSync(CONFIG, 'utf8')}
[dictionaries.users]
values = ${JSON.stringify(users)}

[dictionaries.groups]
values = ["physics"]

[parameters]
"path.name" = { dictionary = "users", probability = 0.8 }
"path.group" = { dictionary = "groups", probability = 0.5 }
`,
  );
  const run = await runSchemathesis(hub, token, config, phases);
  writeFileSync(join(ARTIFACTS, `schemathesis-${name}.log`), run.output);
  return run;
}

function runSchemathesis(
  hub: TestHub,
  token: string,
  config: string,
  phases: string,
): Promise<{ code: number | null; output: string }> {
  const args = [
    '--config-file',
    config,
    'run',
    `${hub.url}/hub/api/openapi.json`,
    '--header',
    `Authorization: token ${token}`,
    '--checks',
    'all',
    '--phases',
    phases,
    '--max-time',
    SECONDS,
    '--workers',
    '1',
    '--no-color',
  ];
  return new Promise((resolve, reject) => {
    // Its own working directory, for the cache it keeps there (.schemathesis/), removed after.
    const cwd = mkdtempSync(join(tmpdir(), 'hpchub-schemathesis-'));
    const child = spawn(SCHEMATHESIS, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
    let output = '';
    child.stdout.on('data', (c: Buffer) => {
      output += String(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      output += String(c);
    });
    child.on('error', (err) => {
      rmSync(cwd, { recursive: true, force: true });
      reject(err);
    });
    child.on('close', (code) => {
      rmSync(cwd, { recursive: true, force: true });
      resolve({ code, output });
    });
  });
}

/** Everything the hub keeps about a user, to compare before and after. */
async function dataOf(hub: TestHub, name: string): Promise<unknown> {
  const db = hub.hub.db;
  const user = await db.selectFrom('users').selectAll().where('name', '=', name).executeTakeFirst();
  if (!user) return null;
  const id = user.id;
  return {
    user,
    tokens: await db.selectFrom('api_tokens').selectAll().where('user_id', '=', id).execute(),
    servers: await db.selectFrom('servers').selectAll().where('user_id', '=', id).execute(),
    memberships: await db.selectFrom('memberships').selectAll().where('user_id', '=', id).execute(),
    sessions: await db.selectFrom('sessions').selectAll().where('user_id', '=', id).execute(),
  };
}

/** A hub with an admin (boss), alice, and bob, who has something of everything another user could touch. */
async function startHub(): Promise<TestHub> {
  const hub = await TestHub.start({ spawner: createFakeSpawner('instant') });
  await hub.addUser('boss', { admin: true, password: 'boss-password-1' });
  await hub.addUser('alice', { password: 'alice-password-1' });
  await hub.addUser('bob', { password: 'bob-password-1' });
  const admin = await hub.tokenFor('boss', ['admin']);
  // bob's token, group and server.
  await hub.tokenFor('bob', ['self']);
  assert.equal((await hub.api('POST', '/groups/physics', { token: admin })).status, 201);
  assert.equal(
    (await hub.api('POST', '/groups/physics/users', { token: admin, body: { users: ['bob'] } })).status,
    200,
  );
  const started = await hub.api('POST', '/users/bob/servers/notebook1', {
    token: admin,
    body: { user_options: {} },
  });
  assert.ok([201, 202].includes(started.status), started.text);
  return hub;
}

/** Fails with the end of Schemathesis's report unless it found nothing; returns its output. */
async function clean(
  hub: TestHub,
  token: string,
  name: string,
  users: string[],
  phases: string,
): Promise<string> {
  const run = await schemathesis(hub, token, name, users, phases);
  assert.equal(
    run.code,
    0,
    `${run.output.slice(-6000)}\n(whole report: test-artifacts/schemathesis-${name}.log)`,
  );
  assert.match(run.output, /test cases:\s+\d+ generated, \d+ passed/i);
  return run.output;
}

/** Every operation in the document was tested, none left out for want of time. */
function everyOperationTested(output: string): void {
  const counts = /Selected: \d+\/(\d+)\s+Tested: (\d+)/.exec(output);
  assert.ok(counts, 'Schemathesis reports the operations it tested');
  assert.equal(counts[2], counts[1], `operations tested of those in the document\n${output.slice(-3000)}`);
}

// alice may target bob and the admin by name (the dictionary): she must change nothing of theirs.
const USERS_FOR_ALICE = ['alice', 'bob', 'boss'];
// The admin's own name is left out: a request that revoked its own token would end the run.
const USERS_FOR_ADMIN = ['alice', 'bob', 'carol'];

// The user's runs and the admin's run at the same time, each against a hub of its own: the admin's
// requests change other users' data, which the user's runs check stays as it was. Within each, one
// run at a time.
describe('Schemathesis against the REST API', { concurrency: true }, () => {
  before(requireSchemathesis);

  describe('with a user’s token', { concurrency: 1 }, () => {
    let hub: TestHub;
    before(async () => {
      hub = await startHub();
    });
    after(() => hub?.stop());

    test('generated requests: nothing fails, nothing of another user changes', async () => {
      const before = { bob: await dataOf(hub, 'bob'), boss: await dataOf(hub, 'boss') };
      const output = await clean(
        hub,
        await hub.tokenFor('alice', ['self']),
        'user',
        USERS_FOR_ALICE,
        'examples,coverage,fuzzing',
      );
      everyOperationTested(output);
      assert.deepEqual({ bob: await dataOf(hub, 'bob'), boss: await dataOf(hub, 'boss') }, before);
    });

    test('stateful sequences along the document’s links: the same', async () => {
      const before = { bob: await dataOf(hub, 'bob'), boss: await dataOf(hub, 'boss') };
      const output = await clean(
        hub,
        await hub.tokenFor('alice', ['self']),
        'user-stateful',
        USERS_FOR_ALICE,
        'stateful',
      );
      assert.match(output, /API Links:\s+[1-9]\d* covered/, 'links were followed');
      assert.deepEqual({ bob: await dataOf(hub, 'bob'), boss: await dataOf(hub, 'boss') }, before);
    });
  });

  describe('with an admin’s token', { concurrency: 1 }, () => {
    let hub: TestHub;
    before(async () => {
      hub = await startHub();
    });
    after(() => hub?.stop());

    test('generated requests: nothing fails', async () => {
      const output = await clean(
        hub,
        await hub.tokenFor('boss', ['admin']),
        'admin',
        USERS_FOR_ADMIN,
        'examples,coverage,fuzzing',
      );
      everyOperationTested(output);
    });

    test('stateful sequences along the document’s links: nothing fails', async () => {
      const output = await clean(
        hub,
        await hub.tokenFor('boss', ['admin']),
        'admin-stateful',
        USERS_FOR_ADMIN,
        'stateful',
      );
      assert.match(output, /API Links:\s+[1-9]\d* covered/, 'links were followed');
    });
  });
});
