// Expired sessions and tokens are removed on a schedule: with a clock the test controls, nothing
// is removed before its expiry and everything expired is removed after, on both engines; the
// schedule runs the purge again every interval.
import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { databaseEngines, type TestDatabase } from '../test-support/db.js';
import { createUser } from '../users/store.js';
import { ExpiredCredentialsPurge } from './purge.js';
import { createSession } from './sessions.js';
import { createToken } from './tokens.js';

const HOUR = 3600_000;
const quiet = { info() {}, warn() {} };

for (const engine of databaseEngines()) {
  describe(`purging expired credentials (${engine.name})`, () => {
    let db: TestDatabase;
    before(async () => {
      db = await engine.open();
    });
    after(() => db.close());

    const count = async () => ({
      sessions: Number(
        (
          await db.db
            .selectFrom('sessions')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
      tokens: Number(
        (
          await db.db
            .selectFrom('api_tokens')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      ),
    });

    it('removes what expired by the clock’s time, and nothing else', async () => {
      const user = await createUser(db.db, { name: 'ada' });
      await createSession(db.db, { userId: user.id, maxAgeSeconds: 3600 });
      await createSession(db.db, { userId: user.id, maxAgeSeconds: 3 * 3600 });
      await createToken(db.db, { userId: user.id, scopes: ['self'], expiresInSeconds: 3600 });
      await createToken(db.db, { userId: user.id, scopes: ['self'], expiresInSeconds: null });
      let now = Date.now();
      const purge = new ExpiredCredentialsPurge({ db: db.db, log: quiet, now: () => new Date(now) });

      await purge.runOnce();
      assert.deepEqual(await count(), { sessions: 2, tokens: 2 }, 'nothing has expired yet');
      now += 2 * HOUR;
      await purge.runOnce();
      assert.deepEqual(await count(), { sessions: 1, tokens: 1 }, 'the one-hour session and token are gone');
      now += 2 * HOUR;
      await purge.runOnce();
      assert.deepEqual(await count(), { sessions: 0, tokens: 1 }, 'a token without expiry stays');
    });

    it('purges at start and then every interval', async () => {
      const user = await createUser(db.db, { name: `bob-${engine.name}` });
      let now = Date.now();
      mock.timers.enable({ apis: ['setInterval'] });
      const purge = new ExpiredCredentialsPurge({
        db: db.db,
        log: quiet,
        intervalMs: HOUR,
        now: () => new Date(now),
      });
      try {
        await purge.start();
        await createSession(db.db, { userId: user.id, maxAgeSeconds: 60 });
        now += 2 * 60_000;
        mock.timers.tick(HOUR - 1);
        await tick();
        assert.equal((await count()).sessions, 1, 'not before the interval');
        mock.timers.tick(1);
        for (let i = 0; i < 50 && (await count()).sessions > 0; i++) await tick();
        assert.equal((await count()).sessions, 0, 'removed at the next interval');
      } finally {
        await purge.close();
        mock.timers.reset();
      }
    });
  });
}
