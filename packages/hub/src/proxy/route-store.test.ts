// The hub's side of the proxy against a real database: routes come and go with their servers,
// last activity is written once per flush, and a cached identity answers without a promise (the
// hot path). That routes survive a restart is spawn/routes.test.ts's.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createToken } from '../auth/tokens.js';
import { HubAuthorizer } from './hub-authorizer.js';
import { ProxyScene, SECRET } from './test-support.js';

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

  it('forgets a route when it is removed, and a replaced route is retired', async () => {
    await scene.addServer('ada', 'brief', { url: scene.server.url, secret: SECRET });
    const route = scene.proxy.routes.resolve('ada', 'brief');
    assert.ok(route);
    scene.proxy.routes.remove(route.id);
    assert.equal(scene.proxy.routes.resolve('ada', 'brief'), undefined);
    assert.equal(scene.proxy.routes.resolve('ada', null)?.name, '', 'the default server is still routed');
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
  const newAuthorizer = async () =>
    new HubAuthorizer({
      db: scene.db,
      cookieSecret: await scene.cookieSecret(),
      adminAccess: false,
      cacheMs: 60_000,
    });

  it('answers a known credential without a promise, and asks the database again after forgetting', async () => {
    const authorizer = await newAuthorizer();
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

  it('keeps tokens and cookies apart, and forgets both of a user', async () => {
    const authorizer = await newAuthorizer();
    const { token } = await createToken(scene.db, { userId: await scene.userId('ada'), scopes: ['self'] });
    const byToken = { cookie: undefined, authorization: `token ${token}` };
    // The same text as a session cookie's value is no session: it must not find the token's identity.
    const byCookie = { cookie: `hpchub-session=token ${token}`, authorization: undefined };
    const ada = await authorizer.identify(byToken);
    assert.ok(ada && ada !== 'invalid_token');
    assert.equal(ada.principal.via, 'token');
    assert.equal(await authorizer.identify(byCookie), null);
    const browser = { cookie: (await scene.login('ada')).cookieHeader(), authorization: undefined };
    const inBrowser = await authorizer.identify(browser);
    assert.ok(inBrowser && inBrowser !== 'invalid_token');
    assert.equal(inBrowser.principal.via, 'cookie');
    assert.equal(authorizer.identify(byToken), ada);
    assert.equal(authorizer.identify(browser), inBrowser);
    authorizer.forgetUser(ada.principal.userId);
    assert.ok(authorizer.identify(byToken) instanceof Promise);
    assert.ok(authorizer.identify(browser) instanceof Promise);
  });
});
