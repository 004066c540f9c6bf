// The line for start slots survives a crash: the real `hpchub start` (as an unprivileged account,
// local spawner, real agents) is killed with SIGKILL while 50 starts wait in line behind starts
// that hold every slot, and started again. The 50 keep their places, and once the slots come
// free they are launched in the order they were requested, and all become ready.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerModel, UserModel } from '@hpchub/protocol';
import { HubProcess } from '../../test-support/hub-process.js';
import { HOLD_APP, TINY_APP, writeTinyApps } from '../../test-support/tiny-app.js';

const SLOTS = 4;
const WAITING = 50;

describe('a hub killed with SIGKILL while starts wait in line', () => {
  const appsDir = mkdtempSync(join(tmpdir(), 'hpchub-line-apps-'));
  let hub: HubProcess;
  let token = '';

  const api = async <T>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${hub.url}/hub/api${path}`, {
      method,
      headers: { authorization: `token ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T, text };
  };

  before(async () => {
    const appsFile = writeTinyApps(appsDir);
    hub = await HubProcess.start({
      configure: (c) => {
        c.apps.file = appsFile;
        c.apps.enabled = [TINY_APP, HOLD_APP];
        c.spawner.concurrent_spawns = SLOTS;
        c.spawner.poll_interval_seconds = 1;
        c.spawner.servers_per_user = SLOTS;
      },
    });
    token = await hub.tokenFor('admin', ['admin']);
  });

  after(async () => {
    // Every server that may still run (the holders, any start not yet stopped) is stopped first.
    const users = await api<UserModel[]>('GET', '/users?limit=200').catch(() => undefined);
    for (const user of users?.body ?? [])
      for (const name of Object.keys(user.servers ?? {}))
        await api(
          'DELETE',
          name === '' ? `/users/${user.name}/server` : `/users/${user.name}/servers/${name}`,
        );
    await hub?.stop();
    rmSync(appsDir, { recursive: true, force: true });
  });

  test('after the restart the 50 start in the order they were requested', async () => {
    const names = Array.from({ length: WAITING }, (_, i) => `line${String(i + 1).padStart(2, '0')}`);
    const created = await api('POST', '/users', { usernames: ['holder', ...names] });
    assert.equal(created.status, 201, created.text);
    // The holders take every slot: their apps never answer.
    for (let i = 0; i < SLOTS; i++) {
      const res = await api<ServerModel>('POST', `/users/holder/servers/h${i}`, {
        user_options: { app: HOLD_APP },
      });
      assert.equal(res.status, 202, res.text);
      assert.equal(res.body.line_position, null);
    }
    for (const [i, name] of names.entries()) {
      const res = await api<ServerModel>('POST', `/users/${name}/server`, {
        user_options: { app: TINY_APP },
      });
      assert.equal(res.status, 202, res.text);
      assert.equal(res.body.line_position, i + 1, `${name} is ${i + 1}th in line`);
    }
    const idOf = new Map<number, string>();
    for (const row of await hub.hub.db
      .selectFrom('servers')
      .innerJoin('users', 'users.id', 'servers.user_id')
      .select(['servers.id', 'users.name'])
      .where('servers.line_ticket', 'is not', null)
      .orderBy('servers.line_ticket')
      .execute())
      idOf.set(row.id, row.name);
    assert.deepEqual([...idOf.values()], names, 'the database holds the line in request order');

    await hub.killAndRestart();
    const logFrom = hub.logLines.length;
    for (const [i, name] of names.entries()) {
      const user = await api<UserModel>('GET', `/users/${name}`);
      assert.equal(
        (user.body.servers[''] as ServerModel | undefined)?.line_position,
        i + 1,
        `${name} kept its place`,
      );
    }

    // The holders give up their slots; the line moves. Servers are stopped as soon as they are
    // ready, so that fifty apps never run at once on a shared machine.
    for (let i = 0; i < SLOTS; i++)
      assert.equal((await api('DELETE', `/users/holder/servers/h${i}`, { remove: true })).status, 204);
    const ready = new Set<string>();
    const deadline = Date.now() + 240_000;
    while (ready.size < WAITING && Date.now() < deadline) {
      const rows = await hub.hub.db
        .selectFrom('servers')
        .innerJoin('users', 'users.id', 'servers.user_id')
        .select(['users.name', 'servers.status', 'servers.end_detail'])
        .where('users.name', 'in', names)
        .execute();
      const failed = rows.find((r) => r.status === 'stopped' && !ready.has(r.name));
      assert.equal(failed, undefined, `a start failed: ${JSON.stringify(failed)}`);
      for (const row of rows.filter((r) => r.status === 'running')) {
        ready.add(row.name);
        assert.equal((await api('DELETE', `/users/${row.name}/server`)).status, 204);
      }
      await sleep(100);
    }
    assert.equal(ready.size, WAITING, 'every start in line became ready');

    const launched = hub.logLines
      .slice(logFrom)
      .map((line) => JSON.parse(line) as { msg?: string; server_id?: number })
      .filter((entry) => entry.msg === 'a start left the line')
      .map((entry) => idOf.get(entry.server_id ?? -1));
    assert.deepEqual(launched, names, 'launched in the order they were requested');
  });
});
