// Every kind of bad input gets a 4xx with the one error body, and changes nothing.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestHub } from '../test-support/hub.js';

interface ErrorBody {
  code: string;
  message: string;
  validations?: { field: string; message: string }[];
}

function assertErrorBody(body: unknown): asserts body is ErrorBody {
  const b = body as ErrorBody;
  assert.equal(typeof b.code, 'string');
  assert.equal(typeof b.message, 'string');
  for (const key of Object.keys(b))
    assert.ok(['code', 'message', 'detail', 'validations'].includes(key), key);
}

describe('bad input', () => {
  let hub: TestHub;
  let admin: string;

  before(async () => {
    hub = await TestHub.start();
    await hub.addUser('admin1', { admin: true });
    admin = await hub.tokenFor('admin1', ['admin']);
  });
  after(() => hub.stop());

  async function userCount(): Promise<number> {
    const rows = await hub.hub.db.selectFrom('users').select('id').execute();
    return rows.length;
  }

  test('a path the router refuses gets the one error body: a name past its length, bad percent-encoding', async () => {
    const before = await userCount();
    // 300 characters outside the BMP are 600 UTF-16 units: past what the router takes per segment.
    const long = encodeURIComponent('\u{1F600}'.repeat(300));
    for (const [method, path] of [
      ['GET', `/users/${long}`],
      ['DELETE', `/users/admin1/servers/${long}`],
      ['POST', `/users/${long}`],
      ['GET', '/users/%E0%A4%A'],
    ] as const) {
      const res = await hub.api(method, path, { token: admin });
      assert.equal(res.status, 400, `${method} ${path.slice(0, 40)}`);
      assertErrorBody(res.body);
      assert.equal(res.body.code, 'bad_request');
    }
    assert.equal(await userCount(), before);
  });

  test('malformed JSON is a 400 malformed_json', async () => {
    const res = await hub.api('POST', '/users/newbie', { token: admin, body: '{"admin": tru' });
    assert.equal(res.status, 400);
    assertErrorBody(res.body);
    assert.equal(res.body.code, 'malformed_json');
  });

  test('unknown fields are refused, naming the field', async () => {
    const res = await hub.api('POST', '/users/newbie', {
      token: admin,
      body: { admin: false, shell: '/bin/sh' },
    });
    assert.equal(res.status, 400);
    assertErrorBody(res.body);
    assert.equal(res.body.code, 'validation_failed');
    assert.deepEqual(
      res.body.validations?.map((v) => v.field),
      ['shell'],
    );
  });

  test('wrong types are refused, not coerced', async () => {
    const res = await hub.api('PATCH', '/users/admin1', { token: admin, body: { admin: 'true' } });
    assert.equal(res.status, 400);
    assertErrorBody(res.body);
    assert.deepEqual(
      res.body.validations?.map((v) => v.field),
      ['admin'],
    );
  });

  test('a body that is not JSON at all is a 415', async () => {
    const res = await hub.api('POST', '/users/newbie', {
      token: admin,
      body: 'admin=true',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(res.status, 415);
    assertErrorBody(res.body);
  });

  test('usernames with /, .., spaces, 300 characters or upper case are refused with a message', async () => {
    const before = await userCount();
    for (const name of ['a%2Fb', '..', 'a..b', 'has%20space', 'x'.repeat(300), '-rf', 'Bob', '%00']) {
      const res = await hub.api('POST', `/users/${name}`, { token: admin });
      assert.ok(res.status >= 400 && res.status < 500, `${name}: ${res.status}`);
      assertErrorBody(res.body);
      if (res.status === 400) assert.ok(res.body.validations?.[0]?.message, name);
    }
    const bulk = await hub.api('POST', '/users', {
      token: admin,
      body: { usernames: ['ok-name', 'a/b', ' '] },
    });
    assert.equal(bulk.status, 400);
    assertErrorBody(bulk.body);
    assert.deepEqual(
      bulk.body.validations?.map((v) => v.field),
      ['usernames.1', 'usernames.2'],
    );
    assert.equal(await userCount(), before);
  });

  test('a short password is refused', async () => {
    const res = await hub.api('POST', '/users/newbie', { token: admin, body: { password: 'short' } });
    assert.equal(res.status, 400);
    assertErrorBody(res.body);
    assert.deepEqual(
      res.body.validations?.map((v) => v.field),
      ['password'],
    );
  });

  test('an unknown route is a 404 with the error body', async () => {
    const res = await hub.api('GET', '/no/such/thing', { token: admin });
    assert.equal(res.status, 404);
    assertErrorBody(res.body);
  });

  test('garbage in the Authorization header is a 401', async () => {
    for (const header of [
      'token',
      'token hph_nope',
      'bearer ',
      'Basic YWRtaW46YWRtaW4=',
      `token ${'x'.repeat(5000)}`,
    ]) {
      const res = await hub.api('GET', '/user', { headers: { authorization: header } });
      assert.equal(res.status, 401, header.slice(0, 20));
      assertErrorBody(res.body);
    }
  });

  test('negative and huge paging values are refused', async () => {
    for (const q of ['offset=-1', 'limit=0', 'limit=abc', 'offset=99999999999999']) {
      const res = await hub.api('GET', `/users?${q}`, { token: admin });
      assert.equal(res.status, 400, q);
      assertErrorBody(res.body);
    }
  });
});
