// The conformance suite every Authenticator passes — the real ones (local, pam) and the fakes in
// tests. It checks the contract in ./authenticator.ts from the outside: right answers, the same
// answer for an unknown user as for a wrong password, no throwing on odd input, correct results
// under concurrency, and an event loop that keeps running while credentials are checked.
//
//   authenticatorConformance('pam', async () => ({ authenticator, valid: { name, password } }));
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Authenticator, AuthResult } from '../auth/authenticator.js';

export interface ConformanceSetup {
  authenticator: Authenticator;
  /** An account the authenticator accepts with this password. */
  valid: { name: string; password: string };
  /** Runs after the suite, once the authenticator is closed. */
  cleanup?: () => Promise<void>;
}

const INVALID: AuthResult = { ok: false, failure: { kind: 'invalid_credentials' } };

// The largest pause between timer ticks we accept while authentications run. Generous on
// purpose: it catches work on the event loop (a synchronous hash or PAM call takes seconds or
// blocks for its whole duration), not a slow machine.
const MAX_EVENT_LOOP_GAP_MS = 200;

function wrongPassword(): string {
  return `wrong-${randomBytes(6).toString('hex')}`;
}

export function authenticatorConformance(name: string, setup: () => Promise<ConformanceSetup>): void {
  describe(`${name} conforms to the Authenticator contract`, () => {
    let ctx: ConformanceSetup | undefined;
    const unknownUser = `conformance-nobody-${randomBytes(4).toString('hex')}`;

    function current(): ConformanceSetup {
      assert.ok(ctx, 'setup did not complete');
      return ctx;
    }

    before(async () => {
      ctx = await setup();
    });

    after(async () => {
      await ctx?.authenticator.close?.();
      await ctx?.cleanup?.();
    });

    it('has a non-empty string id', () => {
      const { id } = current().authenticator;
      assert.equal(typeof id, 'string');
      assert.ok(id.length > 0);
    });

    it('accepts valid credentials and names the identity after the user', async () => {
      const { authenticator, valid } = current();
      const result = await authenticator.authenticate(valid.name, valid.password);
      assert.ok(result.ok, `expected success, got ${JSON.stringify(result)}`);
      assert.equal(result.identity.name, valid.name);
    });

    it('rejects a wrong password as invalid_credentials', async () => {
      const { authenticator, valid } = current();
      assert.deepEqual(await authenticator.authenticate(valid.name, wrongPassword()), INVALID);
    });

    it('answers an unknown user exactly as a wrong password', async () => {
      const { authenticator, valid } = current();
      const [unknown, wrong] = await Promise.all([
        authenticator.authenticate(unknownUser, wrongPassword()),
        authenticator.authenticate(valid.name, wrongPassword()),
      ]);
      assert.deepEqual(unknown, INVALID);
      assert.deepEqual(unknown, wrong);
    });

    it('rejects an empty password without throwing', async () => {
      const { authenticator, valid } = current();
      assert.deepEqual(await authenticator.authenticate(valid.name, ''), INVALID);
    });

    it('rejects the valid password followed by 10 kB more without throwing', async () => {
      // Also catches a back end that silently truncates long input to a prefix.
      const { authenticator, valid } = current();
      assert.deepEqual(
        await authenticator.authenticate(valid.name, valid.password + 'a'.repeat(10_240)),
        INVALID,
      );
    });

    it('rejects the valid password followed by a NUL and more', async () => {
      // A C string ends at the NUL: a back end that passes the password on as one would accept this.
      const { authenticator, valid } = current();
      assert.deepEqual(await authenticator.authenticate(valid.name, `${valid.password}\0more`), INVALID);
    });

    it('answers Unicode passwords and names without throwing', async () => {
      const { authenticator, valid } = current();
      const [password, username] = await Promise.all([
        authenticator.authenticate(valid.name, 'pässwörd-密码-🔑-\u0301'),
        authenticator.authenticate('ünïcødé-名前', 'pässwörd-密码-🔑'),
      ]);
      assert.deepEqual(password, INVALID);
      assert.deepEqual(username, INVALID);
    });

    it('answers 8 concurrent attempts, half of them valid, each correctly', async () => {
      const { authenticator, valid } = current();
      const attempts = Array.from({ length: 8 }, (_, i) => i % 2 === 0);
      const results = await Promise.all(
        attempts.map((good) =>
          authenticator.authenticate(valid.name, good ? valid.password : wrongPassword()),
        ),
      );
      results.forEach((result, i) => {
        if (attempts[i])
          assert.ok(result.ok && result.identity.name === valid.name, `attempt ${i} should succeed`);
        else assert.deepEqual(result, INVALID, `attempt ${i} should fail`);
      });
    });

    it('keeps the event loop responsive while authenticating', async () => {
      const { authenticator, valid } = current();
      let last = performance.now();
      let largestGap = 0;
      const tick = (): void => {
        const now = performance.now();
        largestGap = Math.max(largestGap, now - last);
        last = now;
      };
      const timer = setInterval(tick, 5);
      try {
        await Promise.all([
          authenticator.authenticate(valid.name, valid.password),
          authenticator.authenticate(valid.name, wrongPassword()),
          authenticator.authenticate(unknownUser, wrongPassword()),
        ]);
      } finally {
        clearInterval(timer);
      }
      tick();
      assert.ok(
        largestGap < MAX_EVENT_LOOP_GAP_MS,
        `the event loop stalled for ${Math.round(largestGap)} ms during authentication`,
      );
    });

    // Last: the authenticator is closed afterwards.
    it('closes idempotently', async () => {
      const { authenticator } = current();
      await authenticator.close();
      await authenticator.close();
    });
  });
}
