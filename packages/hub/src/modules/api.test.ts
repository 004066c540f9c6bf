// The `modules` option through the REST API, as the spawn form will send it: checked against the
// modules the hub listed from the real Lmod (the test module tree), kept as names, loaded in the
// job after the app's. Every hostile value is a 400 naming the field, and nothing is recorded or
// launched.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createFakeSpawner, type FakeSpawner } from '../test-support/fake-spawner.js';
import { TestHub } from '../test-support/hub.js';
import { type TestModuleTree, writeTestModuleTree } from '../test-support/modules.js';

interface ErrorBody {
  code: string;
  validations?: { field: string; message: string }[];
}

describe('the modules option of a start', () => {
  let tree: TestModuleTree;
  let hub: TestHub;
  let spawner: FakeSpawner;
  let token: string;

  before(async () => {
    tree = writeTestModuleTree();
    spawner = createFakeSpawner('never');
    hub = await TestHub.start({
      spawner,
      configure: (config) => {
        config.modules.use = [tree.dir];
      },
    });
    await hub.addUser('alice');
    token = await hub.tokenFor('alice', ['self']);
    // The listing the hub started in the background, finished.
    const listed = await hub.running.app.spawning.modules.refresh();
    assert.ok(listed?.known.has(tree.a.name), 'the hub listed the test modules');
  });
  after(async () => {
    await hub?.stop();
    tree?.cleanup();
  });

  const start = (options: Record<string, unknown>, server = 'work') =>
    hub.api<ErrorBody>('POST', `/users/alice/servers/${server}`, {
      token,
      body: { user_options: { app: 'jupyterlab', ...options } },
    });
  const stop = (server = 'work') =>
    hub.api('DELETE', `/users/alice/servers/${server}`, { token, body: { remove: true } });
  /** The server the tests start, as recorded. */
  const work = () =>
    hub.hub.db
      .selectFrom('servers')
      .select(['id', 'options'])
      .where('name', '=', 'work')
      .executeTakeFirstOrThrow();
  const serverRows = async () => (await hub.hub.db.selectFrom('servers').select('id').execute()).length;

  test('known modules, as a list or as typed: kept as names, loaded after the app’s', async () => {
    for (const modules of [[tree.a.name, tree.b.name], `${tree.a.name}  ${tree.b.name}\n`]) {
      const res = await start({ modules });
      assert.equal(res.status, 202, res.text);
      const row = await work();
      assert.equal(JSON.parse(row.options).modules, `${tree.a.name} ${tree.b.name}`);
      assert.match(
        spawner.scriptOf(row.id) ?? '',
        /module load 'hpchub-test-a\/1\.0' 'hpchub-test-b\/2\.1' 2>/,
      );
      assert.equal((await stop()).status, 204);
    }
  });

  test('a name without its version is known too; no modules is no `module load`', async () => {
    assert.equal((await start({ modules: 'hpchub-test-a' })).status, 202);
    assert.equal((await stop()).status, 204);
    const res = await start({});
    assert.equal(res.status, 202, res.text);
    const row = await work();
    assert.ok(!('modules' in JSON.parse(row.options)));
    assert.doesNotMatch(spawner.scriptOf(row.id) ?? '', /module load/);
    assert.equal((await stop()).status, 204);
  });

  const hostile: [string, unknown, RegExp][] = [
    ['a command substitution', '$(touch /tmp/hpchub-pwned)', /is not a module name/],
    ['backticks', ['`id`'], /is not a module name/],
    ['a command separator', 'hpchub-test-a/1.0;id', /is not a module name/],
    ['a pipe', ['gcc|sh'], /is not a module name/],
    ['quotes', ["it's"], /is not a module name/],
    ['a redirection', ['x>/tmp/y'], /is not a module name/],
    ['an option to `module`', ['--force'], /is not a module name/],
    ['a path out of the tree', ['../../etc/passwd'], /is not a module name/],
    ['a space inside a name', ['hpchub-test-a 1.0'], /has no spaces/],
    ['a newline inside a name', ['hpchub-test-a/1.0\nid'], /has no spaces/],
    [
      '1,000 modules',
      Array.from({ length: 1000 }, (_, i) => `m/${i}`),
      /at most 16 modules; this list has 1000/,
    ],
    [
      'a name the module system does not know',
      'hpchub-no-such/1.0',
      /"hpchub-no-such\/1\.0" is not a module this cluster has/,
    ],
  ];
  for (const [what, modules, message] of hostile) {
    test(`${what}: 400 for the field, nothing recorded or launched`, async () => {
      const rows = await serverRows();
      const jobs = spawner.liveJobs();
      const res = await start({ modules }, 'hostile');
      assert.equal(res.status, 400, res.text);
      assert.equal(res.body.code, 'validation_failed');
      assert.deepEqual(
        res.body.validations?.map((v) => v.field),
        ['modules'],
      );
      assert.match(res.body.validations?.[0]?.message ?? '', message);
      assert.equal(await serverRows(), rows, 'no server recorded');
      assert.equal(spawner.liveJobs(), jobs, 'no job launched');
    });
  }

  test('not text or a list: refused by the request schema, naming the field', async () => {
    const res = await start({ modules: 42 }, 'hostile');
    assert.equal(res.status, 400);
    assert.deepEqual([...new Set(res.body.validations?.map((v) => v.field))], ['user_options.modules']);
  });

  test('a 100 KB field: refused by its size, naming the field', async () => {
    const rows = await serverRows();
    const res = await start({ modules: 'a/1 '.repeat(25_600) }, 'hostile');
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.validations, [
      { field: 'modules', message: 'This list is too long: give at most 16 module names.' },
    ]);
    assert.equal(await serverRows(), rows);
  });
});
