// Connecting ahead (connect-ahead.ts): a restarted hub opens a pinned connection to each routed
// server before any request, and the first request is served on it; a server whose certificate
// does not match its pin is sent no byte of HTTP and its connection is not kept; one that cannot
// be reached is left as it was, for its first request to find out, and nothing is logged about it.
// Connecting is not use: no server looks used for it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sealRoute } from '../spawn/route-record.js';
import { SecretBox } from '../spawn/secret-box.js';
import { freePort } from '../test-support/sim-cluster.js';
import { type AheadCounts, connectAhead, type Warmable } from './connect-ahead.js';
import {
  type Certificate,
  type FakeServer,
  makeCertificate,
  ProxyScene,
  SECRET,
  startFakeServer,
} from './test-support.js';
import type { RouteTarget } from './types.js';

/** Resolves once `check` holds, polling; throws after `ms` saying what it waited for. */
async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  for (const end = Date.now() + ms; !check(); await sleep(20))
    if (Date.now() > end) throw new Error(`still waiting for ${what}`);
}

describe('connecting ahead', () => {
  it('warms every pool in order, never more than `concurrency` at once', async () => {
    let open = 0;
    let most = 0;
    const warmed: number[] = [];
    const pools: Warmable[] = Array.from({ length: 20 }, (_, i) => ({
      warm(done) {
        open++;
        most = Math.max(most, open);
        setTimeout(() => {
          open--;
          warmed.push(i);
          if (i % 5 === 0) done(new Error('unreachable'), false);
          else done(null, i % 5 !== 1);
        }, 5);
      },
    }));
    const inOrder: number[] = [];
    const oneByOne = pools.map((pool, i) => ({
      warm: (done: (err: Error | null, opened: boolean) => void) => {
        inOrder.push(i);
        pool.warm(done);
      },
    }));
    assert.deepEqual(await connectAhead(oneByOne[Symbol.iterator](), 1), {
      routes: 20,
      opened: 12,
      failed: 4,
    });
    assert.equal(most, 1);
    assert.deepEqual(
      inOrder,
      pools.map((_, i) => i),
      'one at a time, in the given order',
    );
    most = 0;
    warmed.length = 0;
    const counts = await connectAhead(pools[Symbol.iterator](), 3);
    assert.deepEqual(counts, { routes: 20, opened: 12, failed: 4 });
    assert.equal(most, 3);
    assert.deepEqual(
      warmed.sort((a, b) => a - b),
      pools.map((_, i) => i),
    );
    assert.deepEqual(await connectAhead([][Symbol.iterator](), 3), { routes: 0, opened: 0, failed: 0 });
  });
});

describe('connecting ahead after a restart', () => {
  let scene: ProxyScene;
  let cert: Certificate;
  let agent: FakeServer;
  let impostor: FakeServer;
  before(async () => {
    scene = await ProxyScene.start();
    cert = await makeCertificate('127.0.0.1');
    agent = await startFakeServer({ tls: cert, secret: SECRET });
    // Listens with a certificate of its own, while the route pins `cert`.
    impostor = await startFakeServer({ tls: await makeCertificate('127.0.0.1'), secret: SECRET });
  });
  after(async () => {
    await scene.close();
    await agent.close();
    await impostor.close();
  });

  /**
   * A running server of `user` whose route, as a ready agent would have had it stored, is
   * `target`, last used at `lastActivity`.
   */
  async function storedRoute(user: string, target: RouteTarget, lastActivity: string | null): Promise<void> {
    const id = await scene.addServer(user, 'lab');
    const box = new SecretBox(await scene.cookieSecret());
    await scene.db
      .updateTable('servers')
      .set({ route: sealRoute(target, id, box), last_activity: lastActivity })
      .where('id', '=', id)
      .execute();
  }

  it('opens the pinned connections before any request, serves the first request on one, and keeps quiet about the rest', async () => {
    const toAgent = { url: agent.url, fingerprint: cert.fingerprint, secret: SECRET };
    await storedRoute('bob', toAgent, '2026-12-01T09:00:00.000Z');
    await storedRoute('carol', { ...toAgent, url: impostor.url }, null);
    const unreachable = `https://127.0.0.1:${await freePort()}`;
    await storedRoute(
      'root',
      { url: unreachable, fingerprint: cert.fingerprint },
      '2026-12-01T10:00:00.000Z',
    );
    const logged = scene.hub.logLines.length;
    await scene.hub.restart();
    // In the order connecting ahead takes them: the most recently used first, never used last.
    assert.deepEqual(
      [...scene.proxy.routes.all()].map((r) => r.owner),
      ['root', 'bob', 'carol'],
    );

    const ahead = () =>
      scene.hub.logLines
        .slice(logged)
        .map((l) => JSON.parse(l) as AheadCounts & { msg: string })
        .find((l) => l.msg === 'connections to servers opened ahead');
    await until('the connections opened ahead', () => ahead() !== undefined);
    assert.deepEqual(
      { routes: ahead()?.routes, opened: ahead()?.opened, failed: ahead()?.failed },
      { routes: 3, opened: 1, failed: 2 },
    );
    assert.equal(agent.accepted(), 1);
    // Its side of the handshake ends after the hub's.
    await until('the agent’s side of the connection', () => agent.connections() === 1);
    // The impostor was connected to, refused for its certificate and told nothing.
    assert.equal(impostor.accepted(), 1);
    await until('the impostor’s connection closed', () => impostor.connections() === 0);
    assert.deepEqual([...agent.seen, ...impostor.seen], []);
    const complaints = scene.hub.logLines.slice(logged).filter((l) => /"level":(40|50|60)/.test(l));
    assert.deepEqual(complaints, []);
    // None of the three routes was dropped for what connecting ahead found, and none counts as
    // used for it (the idle culler goes by use).
    for (const user of ['bob', 'carol', 'root'])
      assert.equal(scene.proxy.routes.resolve(user, 'lab')?.lastActivity, 0, user);

    const bob = await scene.login('bob');
    const res = await fetch(`${scene.hub.url}/user/bob/lab/tree`, {
      headers: { cookie: bob.cookieHeader() },
    });
    assert.equal(res.status, 200, await res.text());
    assert.equal(agent.accepted(), 1, 'the first request went over the connection opened ahead');
    assert.equal(agent.seen.length, 1);

    // The impostor is refused again when asked, as without connecting ahead.
    const carol = await scene.login('carol');
    const refused = await fetch(`${scene.hub.url}/user/carol/lab/tree`, {
      headers: { cookie: carol.cookieHeader() },
    });
    await refused.text();
    assert.ok(refused.status >= 500, String(refused.status));
    assert.deepEqual(impostor.seen, []);
  });
});
