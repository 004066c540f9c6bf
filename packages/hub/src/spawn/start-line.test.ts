// The line's order (first come, first served, fair across users), the places it tells, and the
// pace of start slots from which a refused request's Retry-After is computed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ordinal, placeMessage, StartLine } from './start-line.js';
import { StartSlots } from './start-slots.js';

describe('the start line', () => {
  test('serves by ticket, whatever order the starts joined in', () => {
    const line = new StartLine();
    for (const ticket of [3, 1, 2]) line.join({ serverId: ticket * 10, userId: ticket, ticket });
    assert.deepEqual(
      line.order().map((e) => e.ticket),
      [1, 2, 3],
    );
    assert.equal(line.head()?.serverId, 10);
    assert.equal(line.placeOf(30), 3);
    assert.equal(line.placeOf(99), null);
  });

  test('one user’s many servers do not hold the places of everyone after them', () => {
    const line = new StartLine();
    // alice asks for three servers, then bob and carol for one each.
    line.join({ serverId: 1, userId: 1, ticket: 1 });
    line.join({ serverId: 2, userId: 1, ticket: 2 });
    line.join({ serverId: 3, userId: 1, ticket: 3 });
    line.join({ serverId: 4, userId: 2, ticket: 4 });
    line.join({ serverId: 5, userId: 3, ticket: 5 });
    assert.deepEqual(
      line.order().map((e) => e.serverId),
      [1, 4, 5, 2, 3],
    );
    // Once alice's first has its slot, her second is her first in line.
    line.leave(1);
    assert.deepEqual(
      line.order().map((e) => e.serverId),
      [2, 4, 5, 3],
    );
  });

  test('tells each start its place only when it changed', () => {
    const line = new StartLine();
    for (let i = 1; i <= 4; i++) line.join({ serverId: i, userId: i, ticket: i });
    assert.deepEqual(line.moved(), [
      { serverId: 1, position: 1 },
      { serverId: 2, position: 2 },
      { serverId: 3, position: 3 },
      { serverId: 4, position: 4 },
    ]);
    assert.deepEqual(line.moved(), []);
    assert.equal(line.told(3), true);
    // The second leaves: those behind it move up, the first does not hear anything.
    assert.equal(line.leave(2), true);
    assert.equal(line.leave(2), false);
    assert.deepEqual(line.moved(), [
      { serverId: 3, position: 2 },
      { serverId: 4, position: 3 },
    ]);
    line.join({ serverId: 5, userId: 5, ticket: 5 });
    assert.equal(line.told(5), false);
    assert.deepEqual(line.moved(), [{ serverId: 5, position: 4 }]);
  });

  test('says the place as people read it', () => {
    assert.deepEqual([1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 37, 101, 111, 112].map(ordinal), [
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '23rd',
      '37th',
      '101st',
      '111th',
      '112th',
    ]);
    assert.equal(placeMessage(37), 'Waiting for a free start slot: 37th in line');
  });
});

describe('start slots', () => {
  function clock() {
    let now = 1_000_000;
    return { now: () => now, advance: (ms: number) => (now += ms) };
  }

  test('count the servers holding one; taking twice is one slot', () => {
    const slots = new StartSlots();
    slots.take(1);
    slots.take(1);
    slots.take(2);
    assert.equal(slots.inUse, 2);
    assert.equal(slots.release(1), true);
    assert.equal(slots.release(1), false);
    assert.equal(slots.holds(2), true);
    assert.equal(slots.inUse, 1);
  });

  test('Retry-After follows the pace at which slots came free', () => {
    const c = clock();
    const slots = new StartSlots(c.now);
    // Ten slots given back over ten seconds: one a second.
    for (let i = 0; i < 10; i++) {
      slots.take(i);
      c.advance(1000);
      slots.release(i);
    }
    assert.equal(slots.retryAfterSeconds(1), 1);
    assert.equal(slots.retryAfterSeconds(30), 30);
    // Four a second: thirty more starts take eight seconds.
    const fast = new StartSlots(c.now);
    for (let i = 0; i < 40; i++) {
      fast.take(i);
      c.advance(250);
      fast.release(i);
    }
    assert.equal(fast.retryAfterSeconds(30), 8);
  });

  test('a line that stopped moving says so: the pace decays, the wait grows', () => {
    const c = clock();
    const slots = new StartSlots(c.now);
    for (let i = 0; i < 10; i++) {
      slots.take(i);
      c.advance(100);
      slots.release(i);
    }
    const moving = slots.retryAfterSeconds(10);
    c.advance(60_000);
    const stalled = slots.retryAfterSeconds(10);
    assert.ok(stalled > moving, `${stalled} > ${moving}`);
    // Nothing given back for minutes: the holders' time so far is the guess, never zero or endless.
    c.advance(600_000);
    slots.take(100);
    slots.take(101);
    c.advance(20_000);
    assert.equal(slots.retryAfterSeconds(1), 10);
    assert.ok(slots.retryAfterSeconds(1_000_000) <= 3600);
  });
});
