// Sharing a server through the REST API (JupyterHub 5's shape) and the pages, with the proxy in
// front of a server over real sockets: ada shares her server with bob, who then gets through over
// HTTP and WebSocket; she withdraws it, and his next request, his next upgrade and the WebSocket
// he has open are refused at once, not when the proxy's cache expires. Groups, share codes
// (single use, expiry, revocation) and every refusal the issue names (404 for a user who does not
// exist or a server one does not own) too.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from 'node:test';
import type { ShareCodeModel, ShareModel } from '@hpchub/protocol';
import WebSocket from 'ws';
import { connectWebSocket, echo, ProxyScene } from '../proxy/test-support.js';
import type { Browser } from '../test-support/hub.js';

describe('sharing a server', () => {
  let scene: ProxyScene;
  let ada: string;
  let bob: Browser;
  let carol: Browser;
  let root: string;
  let wsBase: string;
  let origin: string;

  before(async () => {
    scene = await ProxyScene.start();
    ada = await scene.hub.tokenFor('ada', ['self']);
    root = await scene.hub.tokenFor('root', ['admin']);
    bob = await scene.login('bob');
    carol = await scene.login('carol');
    wsBase = scene.hub.url.replace(/^http/, 'ws');
    origin = scene.hub.url;
  });
  after(() => scene.close());

  const api = <T>(method: string, path: string, body?: unknown, token = ada) =>
    scene.hub.api<T>(method, path, { token, ...(body !== undefined && { body }) });
  const wsAs = (who: Browser) =>
    connectWebSocket(`${wsBase}/user/ada/api/kernels/k/channels`, { cookie: who.cookieHeader(), origin });

  it('bob gets through after ada shares her server, and not the moment she withdraws it (HTTP and WebSocket)', async () => {
    assert.equal((await bob.get('/user/ada/tree')).status, 404);
    assert.equal(await wsAs(bob), 404);

    const shared = await api<ShareModel>('POST', '/shares/ada/', { user: 'bob' });
    assert.equal(shared.status, 200, shared.text);
    assert.deepEqual(shared.body.user, { name: 'bob' });
    assert.equal(shared.body.kind, 'user');
    assert.deepEqual(shared.body.server, { user: { name: 'ada' }, name: '', url: '/user/ada/', ready: true });
    assert.deepEqual(shared.body.scopes, ['access:servers!server=ada/']);

    assert.equal((await bob.get('/user/ada/tree')).status, 200);
    const open = await wsAs(bob);
    assert.ok(open instanceof WebSocket);
    assert.equal(await echo(open, 'hello'), 'hello');

    const listed = await api<ShareModel[]>('GET', '/shares/ada/');
    assert.deepEqual(
      listed.body.map((s) => s.user?.name),
      ['bob'],
    );
    const mine = await scene.hub.api<ShareModel[]>('GET', '/users/bob/shared', {
      token: await scene.hub.tokenFor('bob', ['self']),
    });
    assert.deepEqual(
      mine.body.map((s) => `${s.server.user.name}/${s.server.name}`),
      ['ada/'],
    );

    const closedByHub = once(open, 'close');
    const revoked = await api('PATCH', '/shares/ada/', { user: 'bob' });
    assert.equal(revoked.status, 200);
    assert.deepEqual(revoked.body, {});
    // The very next request and upgrade, without waiting for the proxy's cache to expire.
    assert.equal((await bob.get('/user/ada/tree')).status, 404);
    assert.equal(await wsAs(bob), 404);
    await closedByHub;
    assert.equal(scene.proxy.proxy.stats().websockets, 0);
    assert.deepEqual((await api<ShareModel[]>('GET', '/shares/ada/')).body, []);
  });

  it('a group share lets its members through; DELETE withdraws every share, and sharing twice is one share', async () => {
    assert.equal((await api('POST', '/groups/physics', { users: ['carol'] }, root)).status, 201);
    assert.equal((await api('POST', '/shares/ada/', { group: 'physics' })).status, 200);
    assert.equal((await api('POST', '/shares/ada/', { group: 'physics' })).status, 200);
    assert.equal((await carol.get('/user/ada/tree')).status, 200);
    const group = await api<ShareModel[]>('GET', '/groups/physics/shared', undefined, root);
    assert.deepEqual(
      group.body.map((s) => s.kind),
      ['group'],
    );
    const viaGroup = await scene.hub.api<ShareModel[]>('GET', '/users/carol/shared', {
      token: await scene.hub.tokenFor('carol', ['self']),
    });
    assert.deepEqual(
      viaGroup.body.map((s) => s.group?.name),
      ['physics'],
    );

    const ws = await wsAs(carol);
    assert.ok(ws instanceof WebSocket);
    const gone = once(ws, 'close');
    assert.equal((await api('DELETE', '/shares/ada/')).status, 204);
    assert.equal((await carol.get('/user/ada/tree')).status, 404);
    await gone;
  });

  it('a member removed from a shared group loses access at once, open WebSockets included; one added gets it at once', async () => {
    assert.equal((await api('POST', '/shares/ada/', { group: 'physics' })).status, 200);
    assert.equal((await carol.get('/user/ada/tree')).status, 200);
    const ws = await wsAs(carol);
    assert.ok(ws instanceof WebSocket);
    const gone = once(ws, 'close');
    assert.equal((await api('DELETE', '/groups/physics/users', { users: ['carol'] }, root)).status, 200);
    assert.equal((await carol.get('/user/ada/tree')).status, 404);
    await gone;
    assert.equal((await api('POST', '/groups/physics/users', { users: ['carol'] }, root)).status, 200);
    assert.equal((await carol.get('/user/ada/tree')).status, 200);
    assert.equal((await api('DELETE', '/groups/physics', undefined, root)).status, 204);
    assert.equal((await carol.get('/user/ada/tree')).status, 404, 'the group and its share are gone');
  });

  it('refuses what it must: 404 for no such user or group, for a server one does not own or that does not exist; 400 for bad bodies', async () => {
    const nobody = await api<{ code: string; message: string }>('POST', '/shares/ada/', { user: 'nobody' });
    assert.equal(nobody.status, 404);
    assert.match(nobody.body.message, /no user named nobody/);
    assert.equal((await api('POST', '/shares/ada/', { group: 'chemistry' })).status, 404);
    const bobsToken = await scene.hub.tokenFor('bob', ['self']);
    assert.equal(
      (await api('POST', '/shares/ada/', { user: 'bob' }, bobsToken)).status,
      404,
      'not his server',
    );
    assert.equal((await api('POST', '/share-codes/ada/', {}, bobsToken)).status, 404);
    assert.equal((await api('POST', '/shares/ada/lab', { user: 'bob' })).status, 404, 'no such server');
    assert.equal((await api('POST', '/shares/ada/', { user: 'bob', group: 'physics' })).status, 400);
    assert.equal((await api('POST', '/shares/ada/', {})).status, 400);
    assert.equal((await api('POST', '/shares/ada/', { user: 'ada' })).status, 400, 'the owner');
    assert.equal((await api('POST', '/shares/ada/', { user: 'bob', scopes: ['admin'] })).status, 400);
    assert.equal((await api('POST', '/shares/ada/', { user: 'bob', role: 'x' })).status, 400);
    assert.equal((await api('POST', '/share-codes/ada/', { expires_in: 10 })).status, 400);
    assert.equal((await api('DELETE', '/share-codes/ada/?id=sc_999999')).status, 404);
    assert.equal((await bob.get('/user/ada/tree')).status, 404, 'nothing was shared');
    // An admin may manage anyone's shares.
    assert.equal((await api('POST', '/shares/ada/', { user: 'bob' }, root)).status, 200);
    assert.equal((await api('PATCH', '/shares/ada/', { user: 'bob' }, root)).status, 200);
  });

  it('a single-use share code works once for a signed-in user, and a code does not work after it expires', async () => {
    const made = await api<ShareCodeModel>('POST', '/share-codes/ada/', {
      expires_in: 3600,
      max_exchanges: 1,
    });
    assert.equal(made.status, 200, made.text);
    assert.match(made.body.id, /^sc_\d+$/);
    assert.equal(made.body.max_exchanges, 1);
    assert.ok((made.body.code ?? '').length >= 40, 'unguessable');
    assert.equal(made.body.accept_url, `/hub/accept-share?code=${made.body.code}`);
    assert.equal(made.body.full_accept_url, `${scene.hub.url}${made.body.accept_url}`);
    const listed = await api<ShareCodeModel[]>('GET', '/share-codes/ada/');
    assert.deepEqual(
      listed.body.map((c) => c.id),
      [made.body.id],
    );
    assert.equal(listed.body[0]?.code, undefined, 'the code is never shown again');

    // Not signed in: the link goes to the login page and back.
    const anonymous = await fetch(`${scene.hub.url}${made.body.accept_url}`, {
      redirect: 'manual',
      headers: { accept: 'text/html' },
    });
    assert.equal(anonymous.status, 302);
    assert.match(anonymous.headers.get('location') ?? '', /^\/hub\/login\?next=/);

    const page = await bob.get(made.body.accept_url ?? '');
    assert.equal(page.status, 200);
    assert.match(page.text, /<strong>ada<\/strong> shares their server <strong>default<\/strong> with you/);
    const xsrf = await bob.csrfToken();
    const accepted = await bob.postForm('/hub/accept-share', { code: made.body.code ?? '', _xsrf: xsrf });
    assert.equal(accepted.status, 303);
    assert.equal(accepted.headers.get('location'), '/user/ada/');
    assert.equal((await bob.get('/user/ada/tree')).status, 200);

    const second = await carol.postForm('/hub/accept-share', {
      code: made.body.code ?? '',
      _xsrf: await carol.csrfToken(),
    });
    assert.equal(second.status, 404, 'used up');
    assert.equal((await carol.get('/user/ada/tree')).status, 404);
    assert.deepEqual(
      (await api<ShareCodeModel[]>('GET', '/share-codes/ada/')).body,
      [],
      'a used-up code is not listed',
    );

    const many = await api<ShareCodeModel>('POST', '/share-codes/ada/', { expires_in: 60 });
    assert.equal(many.body.max_exchanges, null);
    await scene.db
      .updateTable('share_codes')
      .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
      .where('id', '=', Number(many.body.id.slice(3)))
      .execute();
    assert.equal((await carol.get(many.body.accept_url ?? '')).status, 404);
    const late = await carol.postForm('/hub/accept-share', {
      code: many.body.code ?? '',
      _xsrf: await carol.csrfToken(),
    });
    assert.equal(late.status, 404, 'expired');
    assert.equal((await carol.get('/user/ada/tree')).status, 404);

    const revocable = await api<ShareCodeModel>('POST', '/share-codes/ada/', {});
    assert.equal((await api('DELETE', `/share-codes/ada/?id=${revocable.body.id}`)).status, 204);
    const revoked = await carol.postForm('/hub/accept-share', {
      code: revocable.body.code ?? '',
      _xsrf: await carol.csrfToken(),
    });
    assert.equal(revoked.status, 404, 'revoked');

    // Bob may give up the share he was given.
    const bobsToken = await scene.hub.tokenFor('bob', ['self']);
    assert.equal((await scene.hub.api('GET', '/users/bob/shared/ada/', { token: bobsToken })).status, 200);
    assert.equal((await scene.hub.api('DELETE', '/users/bob/shared/ada/', { token: bobsToken })).status, 204);
    assert.equal((await bob.get('/user/ada/tree')).status, 404);
    assert.equal((await scene.hub.api('DELETE', '/users/bob/shared/ada/', { token: bobsToken })).status, 404);
  });

  it('the share dialog on the home page shares, makes a link shown once, and withdraws', async () => {
    const home = await scene.login('ada');
    const xsrf = await home.csrfToken();
    const page = await home.get('/hub/home');
    assert.match(page.text, /<summary>Share…/);
    const shared = await home.postForm('/hub/share/ada', {
      _xsrf: xsrf,
      server: '',
      action: 'share',
      kind: 'user',
      who: 'carol',
    });
    assert.equal(shared.status, 303);
    assert.equal(shared.headers.get('location'), '/hub/home?share=default#share-default');
    assert.equal((await carol.get('/user/ada/tree')).status, 200);
    const opened = await home.get('/hub/home?share=default');
    assert.match(opened.text, /<details class="share" id="share-default" open>/);
    assert.match(opened.text, /<strong>carol<\/strong>/);

    const unknown = await home.postForm('/hub/share/ada', {
      _xsrf: xsrf,
      server: '',
      action: 'share',
      kind: 'user',
      who: 'zed',
    });
    assert.equal(unknown.status, 404);
    assert.match(unknown.text, /There is no user named zed\./);

    const link = await home.postForm('/hub/share/ada', {
      _xsrf: xsrf,
      server: '',
      action: 'create-link',
      expires_in: '3600',
      single_use: '1',
    });
    assert.equal(link.status, 200);
    const url = /class="share-link" type="text" readonly value="([^"]+)"/.exec(link.text)?.[1] ?? '';
    assert.match(url, /\/hub\/accept-share\?code=/);
    assert.match(link.text, /for one person/);

    const withdrawn = await home.postForm('/hub/share/ada', {
      _xsrf: xsrf,
      server: '',
      action: 'withdraw',
      kind: 'user',
      who: 'carol',
    });
    assert.equal(withdrawn.status, 303);
    assert.equal((await carol.get('/user/ada/tree')).status, 404);
    const forged = await carol.postForm('/hub/share/ada', {
      _xsrf: await carol.csrfToken(),
      server: '',
      action: 'share',
      kind: 'user',
      who: 'carol',
    });
    assert.equal(forged.status, 404, 'not her server');
    const noCsrf = await home.postForm('/hub/share/ada', {
      server: '',
      action: 'share',
      kind: 'user',
      who: 'bob',
    });
    assert.equal(noCsrf.status, 403);
    assert.equal((await bob.get('/user/ada/tree')).status, 404);
  });
});
