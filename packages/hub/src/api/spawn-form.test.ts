// The spawn-form endpoint with a fake spawner: the fields of an app with their defaults, the
// user's last accepted choices pre-filled (only while they still fit), and who may read it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createFakeSpawner } from '../test-support/fake-spawner.js';
import { TestHub } from '../test-support/hub.js';

interface Form {
  app: string;
  apps: { id: string }[];
  fields: { name: string; type: string; default: unknown; value: unknown; fixed: boolean }[];
  remembered: boolean;
}

describe('GET /hub/api/users/{name}/spawn-form', () => {
  let hub: TestHub;
  let ada = '';
  let bob = '';

  before(async () => {
    hub = await TestHub.start({ spawner: createFakeSpawner('instant') });
    await hub.addUser('ada');
    await hub.addUser('bob');
    ada = await hub.tokenFor('ada');
    bob = await hub.tokenFor('bob');
  });
  after(() => hub.stop());

  const form = (app: string | undefined, token = ada, user = 'ada') =>
    hub.api<Form>('GET', `/users/${user}/spawn-form${app ? `?app=${app}` : ''}`, { token });

  it('describes the first app by default, with every field’s default as its value', async () => {
    const res = await form(undefined);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.app, 'jupyterlab');
    assert.ok(res.body.apps.some((a) => a.id === 'tensorboard'));
    assert.deepEqual(res.body.fields, [
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
    assert.deepEqual(values, { custom_script: '~/envs/tb.sh', logdir: '~/runs/exp1' });
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

  it('an unknown app is a 400 naming the field; another user’s form is a 404', async () => {
    const res = await form('emacs');
    assert.equal(res.status, 400);
    assert.match(res.text, /"field":"app"/);
    assert.equal((await form('jupyterlab', bob, 'ada')).status, 404);
    assert.equal((await hub.api('GET', '/users/ada/spawn-form')).status, 401);
  });
});
