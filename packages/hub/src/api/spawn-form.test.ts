// The spawn-form endpoint with a fake spawner: the fields of an app with their defaults, the
// user's last accepted choices pre-filled (only while they still fit), the form to start a server
// again with its own app and options, and who may read it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createFakeSpawner } from '../test-support/fake-spawner.js';
import { TestHub } from '../test-support/hub.js';

interface Form {
  app: string;
  apps: { id: string }[];
  fields: { name: string; type: string; default: unknown; value: unknown; fixed: boolean }[];
  remembered: boolean;
  from_server?: string;
}

describe('GET /hub/api/users/{name}/spawn-form', () => {
  let hub: TestHub;
  let ada = '';
  let bob = '';

  before(async () => {
    hub = await TestHub.start({
      spawner: createFakeSpawner('instant'),
      // Module names by pattern: this test needs no module tree.
      configure: (c) => {
        c.modules.names = 'pattern';
      },
    });
    await hub.addUser('ada');
    await hub.addUser('bob');
    ada = await hub.tokenFor('ada');
    bob = await hub.tokenFor('bob');
  });
  after(() => hub.stop());

  const form = (app: string | undefined, token = ada, user = 'ada') =>
    hub.api<Form>('GET', `/users/${user}/spawn-form${app ? `?app=${app}` : ''}`, { token });

  it('describes the first app by default, with every field’s default as its value', async () => {
    await hub.running.app.spawning.modules.refresh();
    const res = await form(undefined);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.app, 'jupyterlab');
    assert.ok(res.body.apps.some((a) => a.id === 'tensorboard'));
    assert.deepEqual(res.body.fields, [
      {
        name: 'modules',
        type: 'modules',
        label: 'Other software',
        help:
          'Environment modules to load before the app starts, separated by spaces, like gcc/12.2.0 ' +
          'python/3.11.6. Module names, at most 16.',
        // As the hub listed them (Lmod's own modules here, if any).
        suggestions: hub.running.app.spawning.modules.current()?.names ?? [],
        default: '',
        value: '',
        fixed: false,
      },
      {
        name: 'custom_script',
        type: 'home_path',
        label: 'Custom script to load',
        help: 'Sourced before the app starts, if it exists (for modules, conda environments, variables).',
        default: '~/.jupyterlabrc',
        value: '~/.jupyterlabrc',
        fixed: false,
      },
    ]);
    assert.equal(res.body.remembered, false);
  });

  it('pre-fills the choices of the last accepted start of that app, and of that app only', async () => {
    const start = await hub.api('POST', '/users/ada/servers/board', {
      token: ada,
      body: { user_options: { app: 'tensorboard', custom_script: '~/envs/tb.sh', logdir: 'runs/exp1' } },
    });
    assert.equal(start.status, 202, start.text);
    const res = await form('tensorboard');
    assert.equal(res.body.remembered, true);
    const values = Object.fromEntries(res.body.fields.map((f) => [f.name, f.value]));
    assert.deepEqual(values, { modules: '', custom_script: '~/envs/tb.sh', logdir: '~/runs/exp1' });
    assert.equal((await form('jupyterlab')).body.remembered, false);
    // A refused start is not remembered.
    const bad = await hub.api('POST', '/users/ada/servers/board2', {
      token: ada,
      body: { user_options: { app: 'tensorboard', custom_script: '../x' } },
    });
    assert.equal(bad.status, 400);
    assert.equal(
      Object.fromEntries((await form('tensorboard')).body.fields.map((f) => [f.name, f.value])).custom_script,
      '~/envs/tb.sh',
    );
  });

  it('`server`: the form to start that server again, with its app and the options of its last start', async () => {
    // The server `board` was started with TensorBoard (above); a later start of another app
    // changes nothing in its form.
    const lab = await hub.api('POST', '/users/ada/server', {
      token: ada,
      body: { user_options: { app: 'jupyterlab', custom_script: '~/lab.sh', modules: 'gcc' } },
    });
    assert.equal(lab.status, 202, lab.text);
    const board = await hub.api<Form>('GET', '/users/ada/spawn-form?server=board', { token: ada });
    assert.equal(board.status, 200, board.text);
    assert.equal(board.body.app, 'tensorboard');
    assert.equal(board.body.from_server, 'board');
    assert.equal(board.body.remembered, true);
    assert.deepEqual(Object.fromEntries(board.body.fields.map((f) => [f.name, f.value])), {
      modules: '',
      custom_script: '~/envs/tb.sh',
      logdir: '~/runs/exp1',
    });
    // The default server is `server=` (empty); `app` chooses another app for the same values.
    const again = await hub.api<Form>('GET', '/users/ada/spawn-form?server=', { token: ada });
    assert.equal(again.body.app, 'jupyterlab');
    assert.equal(again.body.from_server, '');
    assert.deepEqual(
      again.body.fields.map((f) => f.value),
      ['gcc', '~/lab.sh'],
    );
    const other = await hub.api<Form>('GET', '/users/ada/spawn-form?server=&app=notebook', { token: ada });
    assert.equal(other.body.app, 'notebook');
    assert.deepEqual(
      other.body.fields.map((f) => f.value),
      ['gcc', '~/lab.sh'],
    );
    // A server that does not exist (or is another user's) falls back to the usual form.
    const none = await hub.api<Form>('GET', '/users/ada/spawn-form?server=nosuch', { token: ada });
    assert.equal(none.status, 200);
    assert.equal(none.body.app, 'jupyterlab');
    assert.equal(none.body.from_server, undefined);
    assert.equal((await hub.api('GET', '/users/ada/spawn-form?server=board', { token: bob })).status, 404);
    assert.equal((await hub.api('DELETE', '/users/ada/server', { token: ada })).status, 204);
  });

  it('an unknown app is a 400 naming the field; another user’s form is a 404', async () => {
    const res = await form('emacs');
    assert.equal(res.status, 400);
    assert.match(res.text, /"field":"app"/);
    assert.equal((await form('jupyterlab', bob, 'ada')).status, 404);
    assert.equal((await hub.api('GET', '/users/ada/spawn-form')).status, 401);
  });
});
