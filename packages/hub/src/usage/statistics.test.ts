// The known history (test-support/usage-history.ts) through GET /hub/api/usage and a user's own
// /users/{name}/usage, on SQLite and PostgreSQL: every grouping and split agrees with the totals
// the test computes itself, in the hub's time zone across year ends and clock changes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { UsageReportModel } from '@hpchub/protocol';
import { TestHub } from '../test-support/hub.js';
import {
  type ExpectedRow,
  expectedRows,
  HISTORY_ZONE,
  type Session,
  writeHistory,
} from '../test-support/usage-history.js';

const FROM = '2025-12-01';
const TO = '2026-11-30';

/** Rows equal, except hours of running servers, which lie between the two computations. */
function assertRows(actual: ExpectedRow[], low: ExpectedRow[], high: ExpectedRow[], what: string) {
  assert.equal(actual.length, low.length, `${what}: ${JSON.stringify(actual)}`);
  actual.forEach((row, i) => {
    const lo = low[i] as ExpectedRow;
    const hi = high[i] as ExpectedRow;
    const { core_hours, gpu_hours, ...rest } = row;
    const { core_hours: c0, gpu_hours: g0, ...expected } = lo;
    assert.deepEqual(rest, expected, what);
    assert.ok(
      core_hours >= c0 && core_hours <= hi.core_hours,
      `${what}: core hours ${core_hours} not in [${c0}, ${hi.core_hours}]`,
    );
    assert.ok(
      gpu_hours >= g0 && gpu_hours <= hi.gpu_hours,
      `${what}: GPU hours ${gpu_hours} not in [${g0}, ${hi.gpu_hours}]`,
    );
  });
}

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`usage statistics on ${engine}`, () => {
    let hub: TestHub;
    let sessions: Session[];
    let admin: string;

    before(async () => {
      hub = await TestHub.start({
        engine,
        configure: (c) => {
          c.usage.time_zone = HISTORY_ZONE;
        },
      });
      sessions = await writeHistory(hub.hub.db);
      await hub.addUser('boss', { admin: true });
      admin = await hub.tokenFor('boss', ['admin']);
    });
    after(() => hub.stop());

    async function report(path: string, token: string, query: Record<string, string>) {
      const before = new Date();
      const res = await hub.api<UsageReportModel>('GET', `${path}?${new URLSearchParams(query)}`, { token });
      const after = new Date();
      assert.equal(res.status, 200, res.text);
      return { body: res.body, before, after };
    }

    for (const groupBy of ['week', 'day', 'month'] as const) {
      for (const by of ['app', 'user', 'group', 'partition'] as const) {
        test(`by ${groupBy} and ${by}`, async () => {
          const { body, before, after } = await report('/usage', admin, {
            from: FROM,
            to: TO,
            group_by: groupBy,
            by,
          });
          assert.equal(body.time_zone, HISTORY_ZONE);
          const q = { from: FROM, to: TO, groupBy, by };
          assertRows(
            body.rows,
            expectedRows(sessions, { ...q, now: before }),
            expectedRows(sessions, { ...q, now: after }),
            `${groupBy}/${by}`,
          );
          // Totals: the same measures over the whole range, one row per key.
          const totals = (now: Date) => expectedRows(sessions, { ...q, groupBy: 'all', now });
          assertRows(
            body.totals.map((t) => ({ period: '', ...t })),
            totals(before),
            totals(after),
            `${groupBy}/${by} totals`,
          );
        });
      }
    }

    test('the weeks around the year end and the clock changes', async () => {
      const { body } = await report('/usage', admin, { from: '2025-12-29', to: '2026-11-08', by: 'app' });
      const weeks = (app: string) =>
        body.rows.filter((r) => r.key === app).map((r) => [r.period, r.sessions]);
      assert.deepEqual(weeks('jupyterlab'), [
        ['2025-12-29', 2],
        ['2026-01-05', 1],
        ['2026-03-23', 1],
        ['2026-10-26', 2],
        ['2026-11-02', 1],
      ]);
      assert.deepEqual(weeks('code-server'), [
        ['2025-12-29', 1],
        ['2026-03-30', 1],
        ['2026-10-19', 1],
        ['2026-11-02', 1],
      ]);
      assert.equal(body.periods[0], '2025-12-29');
      assert.equal(body.periods.length, 45);
    });

    test('filters by app, group and partition', async () => {
      const filters: Record<string, string>[] = [{ app: 'rstudio' }, { group: 'chem' }, { partition: 'gpu' }];
      for (const filter of filters) {
        const { body, before, after } = await report('/usage', admin, {
          from: FROM,
          to: TO,
          by: 'user',
          ...filter,
        });
        const [[field, value]] = Object.entries(filter) as [[string, string]];
        const kept = sessions.filter((s) =>
          field === 'group'
            ? s.groups.includes(value)
            : (s as unknown as Record<string, unknown>)[field] === value,
        );
        const q = { from: FROM, to: TO, groupBy: 'week' as const, by: 'user' as const };
        assertRows(
          body.rows,
          expectedRows(kept, { ...q, now: before }),
          expectedRows(kept, { ...q, now: after }),
          field,
        );
      }
    });

    test('a user reads their own usage with their token, and nobody else’s', async () => {
      const alice = await hub.tokenFor('alice');
      const { body, before, after } = await report('/users/alice/usage', alice, { from: FROM, to: TO });
      const own = sessions.filter((s) => s.user === 'alice');
      const q = { from: FROM, to: TO, groupBy: 'week' as const, by: 'app' as const };
      assertRows(
        body.rows,
        expectedRows(own, { ...q, now: before }),
        expectedRows(own, { ...q, now: after }),
        'alice',
      );
      for (const path of ['/users/bob/usage', '/usage']) {
        const res = await hub.api('GET', path, { token: alice });
        assert.equal(res.status, 404, `${path}: ${res.text}`);
      }
      assert.equal((await hub.api('GET', '/usage')).status, 401);
    });

    test('bad input is a 400 naming the field', async () => {
      const cases: [Record<string, string>, string][] = [
        [{ group_by: 'year' }, 'querystring.group_by'],
        [{ by: 'node' }, 'querystring.by'],
        [{ from: '2026-02-30' }, 'querystring.from'],
        [{ to: 'yesterday' }, 'querystring.to'],
        [{ from: '2026-03-01', to: '2026-02-01' }, 'querystring.to'],
        [{ from: '2010-01-01', to: '2026-01-01' }, 'querystring.from'],
        [{ colour: 'red' }, 'querystring.colour'],
      ];
      for (const [query, field] of cases) {
        const res = await hub.api<{ validations?: { field: string }[] }>(
          'GET',
          `/usage?${new URLSearchParams(query)}`,
          {
            token: admin,
          },
        );
        assert.equal(res.status, 400, `${JSON.stringify(query)}: ${res.text}`);
        assert.ok(
          res.body.validations?.some((v) => v.field === field),
          `${JSON.stringify(query)}: ${res.text}`,
        );
      }
      const unknown = await hub.api('GET', '/usage?group_by=year', { token: admin });
      assert.match(unknown.text, /Must be one of week, day, month/);
    });
  });
}
