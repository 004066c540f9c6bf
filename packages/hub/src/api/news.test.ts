// The news API: anyone reads what is shown now (the login page needs it), admins post, change,
// schedule and delete; the body comes back rendered by the safe Markdown subset.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { TestHub } from '../test-support/hub.js';

interface Item {
  id: number;
  kind: string;
  title: string;
  body: string;
  body_html: string;
  starts_at: string | null;
  ends_at: string | null;
  state: string;
  author: string | null;
}

const inHours = (h: number) => new Date(Date.now() + h * 3600_000).toISOString();

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`news API on ${engine}`, () => {
    let hub: TestHub;
    let admin: string;
    let user: string;

    before(async () => {
      hub = await TestHub.start({ engine });
      await hub.addUser('boss', { admin: true });
      await hub.addUser('alice');
      admin = await hub.tokenFor('boss', ['admin']);
      user = await hub.tokenFor('alice');
    });
    after(() => hub.stop());

    test('an admin posts news and a scheduled notice; anyone sees only what is shown now', async () => {
      const news = await hub.api<Item>('POST', '/news', {
        token: admin,
        body: { title: 'GPU nodes are back', body: 'Use the **gpu** partition. <script>alert(1)</script>' },
      });
      assert.equal(news.status, 201, news.text);
      assert.equal(news.body.kind, 'news');
      assert.equal(news.body.author, 'boss');
      assert.equal(news.body.state, 'current');
      assert.equal(
        news.body.body_html,
        '<p>Use the <strong>gpu</strong> partition. &lt;script&gt;alert(1)&lt;/script&gt;</p>',
      );

      const later = await hub.api<Item>('POST', '/news', {
        token: admin,
        body: { kind: 'maintenance', title: 'Downtime', starts_at: inHours(24), ends_at: inHours(30) },
      });
      assert.equal(later.status, 201, later.text);
      assert.equal(later.body.state, 'scheduled');

      for (const token of [undefined, user]) {
        const shown = await hub.api<Item[]>('GET', '/news', { token });
        assert.equal(shown.status, 200);
        assert.deepEqual(
          shown.body.map((i) => i.title),
          ['GPU nodes are back'],
        );
      }
      const all = await hub.api<Item[]>('GET', '/news/all', { token: admin });
      assert.deepEqual(all.body.map((i) => i.title).sort(), ['Downtime', 'GPU nodes are back']);
    });

    test('an admin changes, reschedules and deletes an item', async () => {
      const created = await hub.api<Item>('POST', '/news', {
        token: admin,
        body: { title: 'Draft', body: 'x' },
      });
      const id = created.body.id;
      const changed = await hub.api<Item>('PATCH', `/news/${id}`, {
        token: admin,
        body: { title: 'Final', ends_at: inHours(-1), starts_at: inHours(-2) },
      });
      assert.equal(changed.status, 200, changed.text);
      assert.equal(changed.body.title, 'Final');
      assert.equal(changed.body.state, 'ended');
      const shown = await hub.api<Item[]>('GET', '/news');
      assert.ok(!shown.body.some((i) => i.id === id), 'an ended item is not shown');
      assert.equal((await hub.api('DELETE', `/news/${id}`, { token: admin })).status, 204);
      assert.equal((await hub.api('GET', `/news/${id}`, { token: admin })).status, 404);
    });

    test('a blank title and an end before the start are refused, per field', async () => {
      const blank = await hub.api<{ validations: { field: string }[] }>('POST', '/news', {
        token: admin,
        body: { title: '   ' },
      });
      assert.equal(blank.status, 400);
      assert.deepEqual(
        blank.body.validations.map((v) => v.field),
        ['title'],
      );
      const backwards = await hub.api<{ validations: { field: string }[] }>('POST', '/news', {
        token: admin,
        body: { title: 'x', starts_at: inHours(2), ends_at: inHours(1) },
      });
      assert.equal(backwards.status, 400);
      assert.deepEqual(
        backwards.body.validations.map((v) => v.field),
        ['ends_at'],
      );
      const bad = await hub.api('POST', '/news', {
        token: admin,
        body: { title: 'x', starts_at: 'tomorrow' },
      });
      assert.equal(bad.status, 400);
    });

    test('only admins post, change, list all or delete; others get 401 or 404', async () => {
      const created = await hub.api<Item>('POST', '/news', { token: admin, body: { title: 'Admin only' } });
      const id = created.body.id;
      for (const [method, path, body] of [
        ['POST', '/news', { title: 'x' }],
        ['GET', '/news/all', undefined],
        ['GET', `/news/${id}`, undefined],
        ['PATCH', `/news/${id}`, { title: 'y' }],
        ['DELETE', `/news/${id}`, undefined],
      ] as const) {
        assert.equal((await hub.api(method, path, { body })).status, 401, `${method} ${path} anonymous`);
        assert.equal(
          (await hub.api(method, path, { token: user, body })).status,
          404,
          `${method} ${path} as a user`,
        );
      }
      assert.equal((await hub.api<Item>('GET', `/news/${id}`, { token: admin })).body.title, 'Admin only');
    });

    test('a cookie session changes news only with its CSRF token', async () => {
      await hub.addUser('cookie-boss', { admin: true, password: 'cookie-boss-password' });
      const browser = await hub.login('cookie-boss', 'cookie-boss-password');
      const post = (headers: Record<string, string>) =>
        fetch(`${hub.url}/hub/api/news`, {
          method: 'POST',
          headers: { cookie: browser.cookieHeader(), 'content-type': 'application/json', ...headers },
          body: JSON.stringify({ title: 'From the page' }),
        });
      assert.equal((await post({})).status, 403);
      assert.equal((await post({ 'x-xsrftoken': await browser.csrfToken() })).status, 201);
    });
  });
}
