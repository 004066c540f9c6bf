// The home page: servers with their state and buttons, how each recent one ended in a sentence,
// the reminder to stop servers, and the notices (news panel, maintenance banner) that the login
// page shows too, before sign-in.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from '../../test-support/hub.js';
import { Browser as Client, TestHub } from '../../test-support/hub.js';
import { type PagesScene, startPagesHub } from '../../test-support/pages.js';
import { queryLogDuring } from '../../test-support/query-log.js';
import { nowIso } from '../../util/time.js';
import { endSentence } from './end-reasons.js';

describe('home page', () => {
  let scene: PagesScene;
  let alice: Browser;

  before(async () => {
    scene = await startPagesHub();
    await scene.hub.addUser('alice', { password: 'alice-password-1' });
    alice = await scene.hub.login('alice', 'alice-password-1');
  });
  after(() => scene.hub.stop());

  test('every end reason reads as a sentence', () => {
    assert.equal(endSentence('user_stop', null), 'stopped by you');
    assert.equal(endSentence('admin_stop', null), 'stopped by an administrator');
    assert.equal(
      endSentence('start_failure', 'no JupyterLab on the node'),
      'failed to start: no JupyterLab on the node',
    );
    assert.equal(endSentence('time_limit', null), 'ended: time limit reached');
    assert.equal(endSentence('node_failure', null), 'ended: the compute node failed');
    assert.equal(endSentence('exited', 'the app exited with code 1'), 'ended: the app exited with code 1');
    assert.equal(endSentence('cancelled', null), 'ended: cancelled');
    assert.equal(endSentence('idle_cull', null), 'stopped after being idle');
  });

  test('with no server: an invitation to start one, and the reminder', async () => {
    const res = await alice.get('/hub/home');
    assert.match(res.text, /No server is running\./);
    assert.match(res.text, /<a class="button" href="\/hub\/spawn\/alice">Start a new server<\/a>/);
    assert.match(res.text, /Please don't forget to stop your servers/);
  });

  test('recent ends are listed with their reasons, newest first, with start and delete buttons', async () => {
    const user = await scene.hub.hub.db
      .selectFrom('users')
      .select('id')
      .where('name', '=', 'alice')
      .executeTakeFirstOrThrow();
    const ended = (name: string, reason: string, detail: string | null, minutesAgo: number) => ({
      user_id: user.id,
      name,
      app: 'jupyterlab',
      status: 'stopped',
      options: JSON.stringify({ app: 'jupyterlab', cores: 2, hours: 4 }),
      created: nowIso(),
      started: nowIso(),
      stopped: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
      end_reason: reason,
      end_detail: detail,
    });
    await scene.hub.hub.db
      .insertInto('servers')
      .values([
        ended('', 'time_limit', null, 1),
        ended('gpu', 'start_failure', '<b>no GPU</b> free', 2),
        ended('old', 'idle_cull', null, 3),
      ])
      .execute();
    const res = await alice.get('/hub/home');
    const reasons = [...res.text.matchAll(/<span class="end-reason">([^<]*)<\/span>/g)].map((m) => m[1]);
    assert.deepEqual(reasons, [
      'ended: time limit reached',
      'failed to start: &lt;b&gt;no GPU&lt;/b&gt; free',
      'stopped after being idle',
    ]);
    assert.match(res.text, /href="\/hub\/spawn\/alice\/gpu\?again=1">Start again<\/a>/);
    assert.match(res.text, /href="\/hub\/spawn\/alice\?again=1">Start again<\/a>/);
    assert.match(res.text, /action="\/hub\/servers\/alice\/delete"/);
    assert.equal([...res.text.matchAll(/>Delete<\/button>/g)].length, 2, 'named servers only');
  });

  test('news and maintenance notices show on the login page and at home; scheduled ones do not yet', async () => {
    const admin = await scene.hub
      .addUser('boss', { admin: true })
      .then(() => scene.hub.tokenFor('boss', ['admin']));
    const post = (body: object) => scene.hub.api('POST', '/news', { token: admin, body });
    await post({ title: 'Welcome to the new hub', body: 'Read the [guide](https://docs.example.org).' });
    await post({ kind: 'maintenance', title: 'Maintenance on Monday', body: 'Servers stop at *08:00*.' });
    await post({ title: 'Next month', starts_at: new Date(Date.now() + 86400_000).toISOString() });
    for (const res of [await new Client(scene.hub.url).get('/hub/login'), await alice.get('/hub/home')]) {
      assert.match(res.text, /<h2 id="news-title">News<\/h2>/);
      assert.match(res.text, /Welcome to the new hub/);
      assert.match(
        res.text,
        /<a href="https:\/\/docs\.example\.org" rel="noopener noreferrer nofollow">guide<\/a>/,
      );
      assert.match(res.text, /<aside class="banner" aria-label="Maintenance notices">/);
      assert.match(res.text, /Maintenance on Monday/);
      assert.match(res.text, /Servers stop at <em>08:00<\/em>/);
      assert.doesNotMatch(res.text, /Next month/);
    }
  });
});

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`home page's queries on ${engine}`, () => {
    let hub: TestHub;
    let alice: Browser;
    let admin: string;

    before(async () => {
      // Polls and culls far apart: a request's queries are counted with nothing else running.
      hub = await TestHub.start({
        engine,
        configure: (c) => {
          c.spawner.poll_interval_seconds = 600;
          c.culler.interval_seconds = 3600;
        },
      });
      await hub.addUser('boss', { admin: true });
      admin = await hub.tokenFor('boss', ['admin']);
      await hub.addUser('alice', { password: 'alice-password-1' });
      await hub.addUser('bob', { password: 'bob-password-1' });
      alice = await hub.login('alice', 'alice-password-1');
      const { id } = await hub.hub.db
        .selectFrom('users')
        .select('id')
        .where('name', '=', 'alice')
        .executeTakeFirstOrThrow();
      const when = nowIso();
      await hub.hub.db
        .insertInto('servers')
        .values(
          ['', 'gpu', 'old'].map((name) => ({
            user_id: id,
            name,
            app: 'jupyterlab',
            status: 'stopped',
            options: JSON.stringify({ app: 'jupyterlab' }),
            created: when,
            started: when,
            stopped: when,
            end_reason: 'user_stop',
          })),
        )
        .execute();
      await hub.hub.db
        .insertInto('presets')
        .values({
          user_id: id,
          name: 'Thesis',
          app: 'jupyterlab',
          options: '{"app":"jupyterlab"}',
          created: when,
        })
        .execute();
    });
    after(() => hub.stop());

    /** One home page request: its queries (a session's once-a-minute touch aside) and rounds. */
    const home = async (browser: Browser) => {
      let text = '';
      const log = await queryLogDuring(hub.hub.db, async () => {
        const res = await browser.get('/hub/home');
        assert.equal(res.status, 200);
        text = res.text;
      });
      return { text, sql: log.sql.filter((q) => !/^update "sessions"/.test(q)), rounds: log.rounds };
    };
    const readsNews = (sql: string[]) => sql.filter((q) => /"news_items"/.test(q)).length;

    test('six queries in two rounds (the session, then the page’s reads at once); the notices from memory', async () => {
      const posted = await hub.api<{ id: number }>('POST', '/news', {
        token: admin,
        body: { title: 'Cluster upgraded' },
      });
      assert.equal(posted.status, 201, posted.text);
      const first = await home(alice);
      assert.equal(readsNews(first.sql), 1);
      const again = await home(alice);
      assert.match(again.text, /Cluster upgraded/);
      assert.match(again.text, /Thesis/);
      assert.equal(again.sql.length, 6, again.sql.join('\n'));
      assert.equal(readsNews(again.sql), 0);
      // The session, then every read of the page at once.
      assert.equal(again.rounds, 2, again.sql.join('\n'));
    });

    test('a change to the news shows at once, for everyone', async () => {
      const { body: items } = await hub.api<{ id: number; title: string }[]>('GET', '/news', {
        token: admin,
      });
      const item = items.find((i) => i.title === 'Cluster upgraded');
      assert.ok(item);
      await home(alice);
      const changed = await hub.api('PATCH', `/news/${item.id}`, {
        token: admin,
        body: { title: 'Cluster upgraded: read the notes' },
      });
      assert.equal(changed.status, 200, changed.text);
      const seen = await home(alice);
      assert.match(seen.text, /Cluster upgraded: read the notes/);
      assert.equal(readsNews(seen.sql), 1);
      const bob = await hub.login('bob', 'bob-password-1');
      const bobs = await home(bob);
      assert.match(bobs.text, /Cluster upgraded: read the notes/);
      assert.doesNotMatch(bobs.text, /Thesis/, "alice's preset is hers");
      await hub.api('POST', '/news', {
        token: admin,
        body: { kind: 'maintenance', title: 'Downtime tonight' },
      });
      assert.match((await home(alice)).text, /<aside class="banner"[^>]*>[\s\S]*Downtime tonight/);
      assert.equal((await hub.api('DELETE', `/news/${item.id}`, { token: admin })).status, 204);
      assert.doesNotMatch((await home(alice)).text, /Cluster upgraded/);
    });
  });
}
