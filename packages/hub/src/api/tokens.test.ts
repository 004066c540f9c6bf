// API tokens: created, listed, used, revoked and expired, with scopes that cannot escalate.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NewTokenModel, TokenModel } from '@hpchub/protocol';
import { TestHub } from '../test-support/hub.js';

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`tokens API on ${engine}`, () => {
    let hub: TestHub;
    let alice: string;
    let admin: string;

    before(async () => {
      hub = await TestHub.start({ engine });
      await hub.addUser('alice');
      await hub.addUser('boss', { admin: true });
      alice = await hub.tokenFor('alice', ['self']);
      admin = await hub.tokenFor('boss', ['admin']);
    });
    after(() => hub.stop());

    test('a user creates a token, sees it listed without the secret, uses it and revokes it', async () => {
      const created = await hub.api<NewTokenModel>('POST', '/users/alice/tokens', {
        token: alice,
        body: { note: 'laptop', scopes: ['servers'], expires_in: 3600 },
      });
      assert.equal(created.status, 201);
      assert.match(created.body.token, /^hph_[\w-]{43}$/);
      assert.deepEqual(created.body.scopes, ['servers']);
      assert.ok(created.body.expires_at);

      const list = await hub.api<{ api_tokens: TokenModel[] }>('GET', '/users/alice/tokens', {
        token: alice,
      });
      const listed = list.body.api_tokens.find((t) => t.id === created.body.id);
      assert.ok(listed);
      assert.equal(listed.note, 'laptop');
      assert.ok(!list.text.includes(created.body.token), 'the token itself is never listed');

      const me = await hub.api<{ name: string; scopes: string[] }>('GET', '/user', {
        token: created.body.token,
      });
      assert.equal(me.body.name, 'alice');
      assert.deepEqual(me.body.scopes, ['servers']);

      const revoked = await hub.api('DELETE', `/users/alice/tokens/${created.body.id}`, { token: alice });
      assert.equal(revoked.status, 204);
      const after = await hub.api<{ code: string }>('GET', '/user', { token: created.body.token });
      assert.equal(after.status, 401);
      assert.equal(after.body.code, 'invalid_token');
    });

    test('an expired token is refused', async () => {
      const short = await hub.tokenFor('alice', ['self'], 1);
      assert.equal((await hub.api('GET', '/user', { token: short })).status, 200);
      await sleep(1100);
      const res = await hub.api<{ code: string }>('GET', '/user', { token: short });
      assert.equal(res.status, 401);
      assert.equal(res.body.code, 'invalid_token');
    });

    test('the bearer form works like the token form', async () => {
      const res = await hub.api('GET', '/user', { headers: { authorization: `Bearer ${alice}` } });
      assert.equal(res.status, 200);
    });

    test('scopes cannot escalate: admin scopes for non-admins, or more than the creating token has', async () => {
      const adminScope = await hub.api<{ validations: { message: string }[] }>(
        'POST',
        '/users/alice/tokens',
        {
          token: alice,
          body: { scopes: ['admin'] },
        },
      );
      assert.equal(adminScope.status, 400);
      assert.match(adminScope.body.validations[0]?.message ?? '', /admins only/);

      const narrow = await hub.tokenFor('alice', ['tokens']);
      const wider = await hub.api('POST', '/users/alice/tokens', {
        token: narrow,
        body: { scopes: ['servers'] },
      });
      assert.equal(wider.status, 400);
      const unknown = await hub.api('POST', '/users/alice/tokens', {
        token: alice,
        body: { scopes: ['root'] },
      });
      assert.equal(unknown.status, 400);
    });

    test("a token with only the servers scope cannot manage tokens; nobody sees another user's tokens", async () => {
      const servers = await hub.tokenFor('alice', ['servers']);
      assert.equal((await hub.api('GET', '/users/alice/tokens', { token: servers })).status, 404);
      assert.equal((await hub.api('GET', '/users/boss/tokens', { token: alice })).status, 404);
      assert.equal((await hub.api('GET', '/users/alice/tokens', { token: admin })).status, 200);
    });

    test('revoking a token that does not exist, or of someone else, is a 404', async () => {
      const bossTokens = await hub.api<{ api_tokens: TokenModel[] }>('GET', '/users/boss/tokens', {
        token: admin,
      });
      const bossTokenId = bossTokens.body.api_tokens[0]?.id;
      assert.ok(bossTokenId);
      assert.equal(
        (await hub.api('DELETE', `/users/alice/tokens/${bossTokenId}`, { token: alice })).status,
        404,
      );
      assert.equal((await hub.api('DELETE', '/users/alice/tokens/999999', { token: alice })).status, 404);
      assert.equal((await hub.api('DELETE', '/users/alice/tokens/abc', { token: alice })).status, 404);
      // Beyond any id the database can hold: still just a token that does not exist.
      for (const method of ['GET', 'DELETE'])
        assert.equal(
          (await hub.api(method, '/users/alice/tokens/99999999999999999999', { token: alice })).status,
          404,
        );
      assert.equal((await hub.api('GET', '/user', { token: admin })).status, 200);
    });

    test('a token of a user who lost admin loses admin with them', async () => {
      await hub.addUser('temp-admin', { admin: true });
      const token = await hub.tokenFor('temp-admin', ['admin']);
      assert.equal((await hub.api('GET', '/users', { token })).status, 200);
      await hub.api('PATCH', '/users/temp-admin', { token: admin, body: { admin: false } });
      assert.equal((await hub.api('GET', '/users', { token })).status, 404);
    });

    test('bad token requests are refused with field messages', async () => {
      for (const body of [
        { expires_in: -5 },
        { expires_in: 'soon' },
        { note: 'x'.repeat(2000) },
        { scopes: 'self' },
        { colour: 'red' },
      ]) {
        const res = await hub.api<{ code: string }>('POST', '/users/alice/tokens', { token: alice, body });
        assert.equal(res.status, 400, JSON.stringify(body));
        assert.equal(res.body.code, 'validation_failed');
      }
    });
  });
}

describe('tokens with a maximum lifetime', () => {
  test('the hub caps token lifetimes when configured', async () => {
    const hub = await TestHub.start({ configure: (c) => (c.tokens.max_expires_in_seconds = 600) });
    try {
      await hub.addUser('alice');
      const alice = await hub.tokenFor('alice');
      const forever = await hub.api<NewTokenModel>('POST', '/users/alice/tokens', { token: alice, body: {} });
      assert.equal(forever.status, 201);
      assert.ok(forever.body.expires_at);
      const tooLong = await hub.api('POST', '/users/alice/tokens', {
        token: alice,
        body: { expires_in: 6000 },
      });
      assert.equal(tooLong.status, 400);
    } finally {
      await hub.stop();
    }
  });
});
