// The API tokens page: a token is made with a note, an expiry and scopes, shown once, works
// with the API, is listed without its secret, and is revoked; admin scopes are not offered to
// users, and a forged one is refused.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from '../../test-support/hub.js';
import { type PagesScene, startPagesHub } from '../../test-support/pages.js';

describe('tokens page', () => {
  let scene: PagesScene;
  let alice: Browser;
  let xsrf: string;

  before(async () => {
    scene = await startPagesHub();
    await scene.hub.addUser('alice', { password: 'alice-password-1' });
    alice = await scene.hub.login('alice', 'alice-password-1');
    xsrf = await alice.csrfToken();
  });
  after(() => scene.hub.stop());

  test('creates a token, shows it once, lists it, and revokes it', async () => {
    const page = await alice.get('/hub/tokens');
    assert.match(page.text, /You have no tokens\./);
    assert.match(page.text, /value="self" checked/);
    assert.doesNotMatch(page.text, /value="admin"/, 'admin scopes are not offered to users');
    const created = await alice.postForm('/hub/tokens', {
      _xsrf: xsrf,
      note: 'laptop <b>script</b>',
      expires: '7',
      scopes: 'servers',
    });
    assert.equal(created.status, 200);
    const token = /id="token-value"[^>]*value="([^"]+)"/.exec(created.text)?.[1];
    assert.ok(token?.startsWith('hph_'), created.text.slice(0, 200));
    assert.match(created.text, /laptop &lt;b&gt;script&lt;\/b&gt;/);
    assert.equal(created.headers.get('cache-control'), 'no-store');

    const api = await scene.hub.api<{ name: string }>('GET', '/user', { token });
    assert.equal(api.body.name, 'alice');
    const list = await alice.get('/hub/tokens');
    assert.doesNotMatch(list.text, new RegExp(token ?? 'x'), 'never shown again');
    const id = /<tr data-token="(\d+)">/.exec(list.text)?.[1];
    assert.match(list.text, /<td data-label="Scopes">servers<\/td>/);
    const revoked = await alice.postForm(`/hub/tokens/${id}/revoke`, { _xsrf: xsrf });
    assert.equal(revoked.headers.get('location'), '/hub/tokens?done=revoked');
    assert.match((await alice.get('/hub/tokens?done=revoked')).text, /The token was revoked\./);
    assert.equal((await scene.hub.api('GET', '/user', { token })).status, 401);
  });

  test('a scope the user may not grant is refused, with the form kept', async () => {
    const res = await alice.postForm('/hub/tokens', {
      _xsrf: xsrf,
      note: 'sneaky',
      expires: '1',
      scopes: 'admin',
    });
    assert.equal(res.status, 400);
    assert.match(res.text, /The scope admin is for admins only\./);
    assert.match(res.text, /value="sneaky"/);
    assert.doesNotMatch(res.text, /id="token-value"/);
  });

  test('the form is held to the tokens API’s limits, and a token that is not hers cannot be revoked', async () => {
    const long = await alice.postForm('/hub/tokens', {
      _xsrf: xsrf,
      note: 'n'.repeat(1001),
      expires: '1',
      scopes: 'self',
    });
    assert.equal(long.status, 400);
    assert.match(long.text, /The token was not created\./);
    assert.match(long.text, /id="f-note-error">Must NOT have more than 1000 characters\./);
    assert.doesNotMatch(long.text, /id="token-value"/);

    await scene.hub.addUser('eve');
    const eveToken = await scene.hub.tokenFor('eve');
    const eve = await scene.hub.api<{ api_tokens: { id: string }[] }>('GET', '/users/eve/tokens', {
      token: eveToken,
    });
    for (const id of [eve.body.api_tokens[0]?.id, 'abc', '99999999999999999999']) {
      const res = await alice.postForm(`/hub/tokens/${id}/revoke`, { _xsrf: xsrf });
      assert.equal(res.status, 404, `token ${id}`);
    }
    assert.equal((await scene.hub.api('GET', '/user', { token: eveToken })).status, 200);
  });

  test('an admin is offered the admin scopes', async () => {
    await scene.hub.addUser('boss', { password: 'boss-password-1', admin: true });
    const boss = await scene.hub.login('boss', 'boss-password-1');
    const page = await boss.get('/hub/tokens');
    assert.match(page.text, /value="admin"/);
    assert.match(page.text, /value="read:users"/);
  });
});
