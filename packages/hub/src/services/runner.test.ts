// Services the hub runs (the `services` option), as a site admin configures them: started with a
// token of the configured scopes and the hub's API URL in their environment, started again with
// a growing pause when they exit, logged, visible to admins in /hub/api/services; a service with
// a scope the hub does not know stops the hub from starting, naming the scope.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestHub } from '../test-support/hub.js';
import type { ServiceState } from './runner.js';

/** A service that lists the users with its token, says what it got, and exits with 3. */
const LISTS_USERS_THEN_EXITS = `
const res = await fetch(process.env.JUPYTERHUB_API_URL + '/users', {
  headers: { authorization: 'token ' + process.env.JUPYTERHUB_API_TOKEN },
});
const users = await res.json();
console.log('service ' + process.env.JUPYTERHUB_SERVICE_NAME + ' got ' + res.status + ': ' + users.map((u) => u.name).join(','));
process.exit(3);
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('services the hub runs', () => {
  let hub: TestHub;
  before(async () => {
    hub = await TestHub.start({
      configure: (c) => {
        c.services = [
          {
            name: 'lister',
            command: [process.execPath, '--input-type=module', '-e', LISTS_USERS_THEN_EXITS],
            scopes: ['list:users'],
          },
        ];
      },
    });
    await hub.addUser('alice');
    await hub.addUser('boss', { admin: true });
  });
  after(() => hub.stop());

  test('its token works with its scopes; it exits, is logged, restarted and visible to admins', async () => {
    const admin = await hub.tokenFor('boss', ['admin']);
    let state: ServiceState | undefined;
    for (let i = 0; i < 100 && (state?.restarts ?? 0) < 1; i++) {
      await sleep(100);
      state = (await hub.api<Record<string, ServiceState>>('GET', '/services', { token: admin })).body.lister;
    }
    assert.ok(state && state.restarts >= 1, JSON.stringify(state));
    assert.equal(state.last_exit?.code, 3);
    const log = hub.logText();
    assert.match(log, /service lister got 200: alice,boss/);
    assert.match(log, /service exited; starting it again/);
    assert.equal((await hub.api('GET', '/services/lister', { token: admin })).status, 200);
    assert.equal((await hub.api('GET', '/services/nope', { token: admin })).status, 404);
    const alice = await hub.tokenFor('alice');
    assert.equal((await hub.api('GET', '/services', { token: alice })).status, 404, 'for admins only');
  });
});

describe('a service with an unknown scope', () => {
  test('stops the hub from starting, naming the scope', async () => {
    await assert.rejects(
      TestHub.start({
        configure: (c) => {
          c.services = [{ name: 'bad', command: ['/bin/true'], scopes: ['read:everything'] }];
        },
      }),
      /bad has the unknown scope read:everything/,
    );
  });
});
