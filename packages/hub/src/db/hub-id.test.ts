// The hub's identity on both engines: made once, kept, the same for two hubs asking at once, and
// another database's is another.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { databaseEngines } from '../test-support/db.js';
import { hubIdentity } from './hub-id.js';

for (const engine of databaseEngines()) {
  describe(`the hub's identity on ${engine.name}`, () => {
    it('is made at first use, kept, and agreed on by callers racing to make it', async () => {
      const first = await engine.open();
      const second = await engine.open();
      try {
        const ids = await Promise.all([hubIdentity(first.db), hubIdentity(first.db), hubIdentity(first.db)]);
        assert.match(ids[0] ?? '', /^[0-9a-f]{8}$/);
        assert.deepEqual(new Set(ids).size, 1, ids.join(' '));
        assert.equal(await hubIdentity(first.db), ids[0]);
        assert.notEqual(await hubIdentity(second.db), ids[0], 'another hub’s database, another id');
      } finally {
        await first.close();
        await second.close();
      }
    });
  });
}
