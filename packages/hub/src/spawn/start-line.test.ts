// The line's order (first come, first served, fair across users), the places it tells, and the
// pace of start slots from which a refused request's Retry-After is computed.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerRow } from '../db/schema.js';
import { ANNOUNCE_MS, StartAdmission } from './admission.js';
import type { ProgressBus } from './progress.js';
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

  test('kept in order as starts join and leave, as sorting the whole line would order it', () => {
    // The line is kept sorted incrementally (a class of a thousand would otherwise sort it a
    // thousand times); random joins and leaves of a few users' starts, against the full sort.
    const line = new StartLine();
    const waiting = new Map<number, { serverId: number; userId: number; ticket: number }>();
    const fullSort = () => {
      const rank = new Map<number, number>();
      const byTicket = [...waiting.values()].sort((a, b) => a.ticket - b.ticket);
      const keyed = byTicket.map((e) => {
        const r = rank.get(e.userId) ?? 0;
        rank.set(e.userId, r + 1);
        return { e, r };
      });
      keyed.sort((a, b) => a.r - b.r || a.e.ticket - b.e.ticket);
      return keyed.map((k) => k.e.serverId);
    };
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const used = new Set<number>();
    for (let step = 0; step < 3000; step++) {
      if (waiting.size > 0 && random(3) === 0) {
        const ids = [...waiting.keys()];
        const id = ids[random(ids.length)] as number;
        waiting.delete(id);
        assert.equal(line.leave(id), true);
      } else {
        // Tickets are unique and mostly rise, as the hub hands them out; some rows are written late.
        let ticket = step * 10 - random(3) * 15;
        while (used.has(ticket)) ticket += 1;
        used.add(ticket);
        const entry = { serverId: step, userId: random(7), ticket };
        waiting.set(step, entry);
        line.join(entry);
      }
      const order = line.order().map((e) => e.serverId);
      assert.deepEqual(order, fullSort(), `after step ${step}`);
      const probe = order[random(order.length)];
      if (probe !== undefined) assert.equal(line.placeOf(probe), order.indexOf(probe) + 1);
    }
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

describe('places in line', () => {
  test('a line of a thousand draining twenty at a time hears its places in rounds, not at every step', async () => {
    // Found by bench:scale: each start leaving the line told everyone behind it their new place
    // at once, half a million events for a class of a thousand, stalling the hub's event loop.
    const told = new Map<number, number[]>();
    const bus = {
      step: (serverId: number, _step: string, _message: string, detail: { line?: { position: number } }) => {
        if (detail.line && detail.line.position > 0)
          told.set(serverId, [...(told.get(serverId) ?? []), detail.line.position]);
      },
    } as unknown as ProgressBus;
    const admission = new StartAdmission({
      limits: () => ({ slots: 20, line: 1000 }),
      bus,
      log: { info: () => {} },
      launch: () => new Promise<ServerRow | undefined>(() => {}),
    });
    for (let id = 1; id <= 1000; id++)
      admission.joined({ serverId: id, userId: id, ticket: admission.ticket() });
    assert.equal(admission.waiting, 980);
    // Each start in line heard its place as it joined.
    assert.deepEqual(told.get(21), [1]);
    assert.deepEqual(told.get(1000), [980]);
    for (let id = 1; id <= 980; id++) admission.release(id);
    assert.equal(admission.waiting, 0, 'every start in line got its slot');
    const heard = [...told.values()].reduce((n, places) => n + places.length, 0);
    assert.equal(heard, 980, 'no start heard a place while the line moved within one round');
    // Those joining now hear their place, and the round tells whoever moved.
    for (let id = 1001; id <= 1100; id++)
      admission.joined({ serverId: id, userId: id, ticket: admission.ticket() });
    for (let id = 981; id <= 1030; id++) admission.release(id);
    await sleep(ANNOUNCE_MS * 2);
    for (let id = 1051; id <= 1100; id++)
      assert.equal(told.get(id)?.at(-1), admission.placeOf(id), `server ${id}`);
  });
});

describe('a paused line', () => {
  test('lets no start go until resumed (a restarted hub before its first poll), then in order', () => {
    const launched: number[] = [];
    const admission = new StartAdmission({
      limits: () => ({ slots: 2, line: 100 }),
      bus: { step: () => {} } as unknown as ProgressBus,
      log: { info: () => {} },
      launch: (entry) => {
        launched.push(entry.serverId);
        return new Promise<ServerRow | undefined>(() => {});
      },
    });
    admission.pause();
    for (let id = 1; id <= 3; id++)
      admission.joined({ serverId: id, userId: id, ticket: admission.ticket() });
    assert.deepEqual(launched, [], 'nothing launched while paused, though slots are free');
    assert.equal(admission.placeOf(1), 1);
    admission.resume();
    assert.deepEqual(launched, [1, 2], 'the head of the line takes the free slots');
    assert.equal(admission.placeOf(3), 1);
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
