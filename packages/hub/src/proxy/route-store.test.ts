// The hub's side of the proxy against a real database: routes survive a hub restart with their
// secret sealed, last activity is written once per flush, and a cached identity answers without
// a promise (the hot path).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HubAuthorizer } from './hub-authorizer.js';
import { HubRoutes } from './route-store.js';
import { SecretBox } from './secret-box.js';
import { ProxyScene, SECRET } from './test-support.js';

const quietLog = { error() {}, warn() {}, info() {}, debug() {} };

describe('routes and activity in the database', () => {
  let scene: ProxyScene;
  before(async () => {
    scene = await ProxyScene.start();
  });
  after(() => scene.close());

  const stored = async (id: number) =>
    await scene.db
      .selectFrom('servers')
      .select(['route', 'last_activity'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();

  it('stores the route with its secret sealed, and a restarted hub finds it again', async () => {
    const { route } = await stored(scene.serverId);
    assert.ok(route);
    assert.ok(!route.includes(SECRET), 'the secret is not in the database in clear');
    assert.equal(JSON.parse(route).url, scene.server.url);

    const cookieSecret = await scene.cookieSecret();
    const restarted = new HubRoutes({
      db: scene.db,
      box: new SecretBox(cookieSecret),
      log: quietLog,
      onRetired() {},
    });
    await restarted.load();
    assert.deepEqual(restarted.resolve('ada', 'anything')?.target, {
      url: scene.server.url,
      fingerprint: undefined,
      secret: SECRET,
    });

    const warnings: string[] = [];
    const rotated = new HubRoutes({
      db: scene.db,
      box: new SecretBox('a-different-cookie-secret-0123456789'),
      log: { ...quietLog, warn: (_o: object, msg: string) => warnings.push(msg) },
      onRetired() {},
    });
    await rotated.load();
    assert.equal(rotated.resolve('ada', null), undefined, 'an unreadable secret leaves the server unrouted');
    assert.match(warnings.join('\n'), /restart the server/);
  });

  it('forgets the route in the database and in memory when it is removed', async () => {
    const id = await scene.addServer('ada', 'brief', { url: scene.server.url, secret: SECRET });
    await scene.proxy.routes.removeRoute('ada', 'brief');
    assert.equal((await stored(id)).route, null);
    assert.equal(scene.proxy.routes.resolve('ada', 'brief'), undefined);
  });

  it('writes last activity on flush, and only for servers used since', async () => {
    const ada = await scene.login('ada');
    assert.equal((await ada.get('/user/ada/tree')).status, 200);
    await scene.proxy.activity.flush();
    const first = (await stored(scene.serverId)).last_activity;
    assert.ok(first);
    const user = await scene.db
      .selectFrom('users')
      .select('last_activity')
      .where('name', '=', 'ada')
      .executeTakeFirstOrThrow();
    assert.ok((user.last_activity ?? '') >= first);

    await scene.db
      .updateTable('servers')
      .set({ last_activity: null })
      .where('id', '=', scene.serverId)
      .execute();
    await scene.proxy.activity.flush();
    assert.equal(
      (await stored(scene.serverId)).last_activity,
      null,
      'nothing new since the last flush: no write',
    );
  });
});

describe('the authorization cache', () => {
  let scene: ProxyScene;
  before(async () => {
    scene = await ProxyScene.start();
  });
  after(() => scene.close());

  it('answers a known credential without a promise, and asks the database again after forgetting', async () => {
    const authorizer = new HubAuthorizer({
      db: scene.db,
      cookieSecret: await scene.cookieSecret(),
      adminAccess: false,
      cacheMs: 60_000,
    });
    const credentials = {
      cookie: `a=1; ${(await scene.login('ada')).cookieHeader()}`,
      authorization: undefined,
    };
    const first = authorizer.identify(credentials);
    assert.ok(first instanceof Promise);
    const who = await first;
    assert.ok(who && who !== 'invalid_token');
    assert.equal(who.principal.name, 'ada');
    const again = authorizer.identify(credentials);
    assert.equal(again, who, 'cached: the same object, synchronously');
    assert.equal(
      authorizer.mayReach(who, { id: scene.serverId, ownerId: who.principal.userId, owner: 'ada', name: '' }),
      true,
    );
    authorizer.forgetSession(who.sessionId ?? '');
    assert.ok(authorizer.identify(credentials) instanceof Promise);
    assert.equal(authorizer.identify({ cookie: 'other=1', authorization: 'Basic abc' }), null);
  });
});
