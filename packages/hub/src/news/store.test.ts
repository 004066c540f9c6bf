// The news the pages show, kept in memory (shownNews): each start and end takes effect when its
// time comes without a new read, every write here is seen by the next call, and a read that was
// under way during a write does not keep what it read.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { openTestDatabase, type TestDatabase } from '../test-support/db.js';
import { queriesDuring } from '../test-support/query-log.js';
import { createNews, deleteNews, type NewsFields, shownNews, updateNews } from './store.js';

let db: TestDatabase;
before(async () => {
  db = await openTestDatabase();
});
after(() => db.close());

const at = (minutes: number) => new Date(Date.UTC(2030, 0, 1, 8, minutes)).toISOString();
const item = (title: string, starts: number | null, ends: number | null): NewsFields => ({
  kind: 'news',
  title,
  body: '',
  starts_at: starts === null ? null : at(starts),
  ends_at: ends === null ? null : at(ends),
});
const titles = async (minutes: number) => (await shownNews(db.db, at(minutes))).map((i) => i.title);
const reads = async (work: () => Promise<unknown>) =>
  (await queriesDuring(db.db, work)).filter((q) => /"news_items"/.test(q)).length;

test('starts and ends take effect in time from the copy in memory; every write is seen at once', async () => {
  await createNews(db.db, item('always', null, null), null);
  const later = await createNews(db.db, item('from 10 to 20', 10, 20), null);
  assert.equal(await reads(async () => assert.deepEqual(await titles(0), ['always'])), 1);
  assert.equal(
    await reads(async () => {
      assert.deepEqual(await titles(15), ['from 10 to 20', 'always']);
      assert.deepEqual(await titles(25), ['always']);
    }),
    0,
  );
  await updateNews(db.db, later, { title: 'from 10 to 30', ends_at: at(30) });
  assert.deepEqual(await titles(25), ['from 10 to 30', 'always']);
  await createNews(db.db, item('new', null, null), null);
  assert.deepEqual(await titles(25), ['from 10 to 30', 'new', 'always'], 'by start, else by posting');
  await deleteNews(db.db, later);
  assert.deepEqual(await titles(25), ['new', 'always']);
});

test('a read under way while news change does not keep what it read', async () => {
  await createNews(db.db, item('before', null, null), null);
  // The read's answer is held until the write is done, as a slow round trip would hold it.
  const executor = Object.getPrototypeOf(db.db.getExecutor()) as {
    executeQuery(this: unknown, query: { sql: string }, ...rest: unknown[]): Promise<unknown>;
  };
  const original = executor.executeQuery;
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  executor.executeQuery = function (this: unknown, query, ...rest) {
    if (!/^select .* from "news_items"/.test(query.sql)) return original.call(this, query, ...rest);
    executor.executeQuery = original;
    return original.call(this, query, ...rest).then(async (result) => {
      await held;
      return result;
    });
  };
  const reading = shownNews(db.db, at(0));
  assert.equal(executor.executeQuery, original, 'the copy in memory was read again');
  const id = await createNews(db.db, item('posted meanwhile', null, null), null);
  release();
  assert.ok(!(await reading).some((i) => i.title === 'posted meanwhile'), 'read before the write');
  assert.ok((await titles(0)).includes('posted meanwhile'));
  await deleteNews(db.db, id);
});
