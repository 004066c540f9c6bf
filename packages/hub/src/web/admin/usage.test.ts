// The admin usage page and its CSV on the known history (test-support/usage-history.ts), on
// SQLite and PostgreSQL: the page's table and the CSV hold the numbers the test computes itself,
// the CSV is exactly the table, formula-like cells are defused, bad input is a 400 naming the
// field, and to anyone but an admin the page does not exist. The home page shows a user's own
// this week and last.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Browser, TestHub } from '../../test-support/hub.js';
import { expectedRows, HISTORY_ZONE, type Session, writeHistory } from '../../test-support/usage-history.js';
import {
  buildSummaries,
  MEASURES,
  openRecord,
  recordEnded,
  recordRunning,
  recordSubmitted,
} from '../../usage/index.js';
import { csvCell } from './usage-csv.js';

const FROM = '2025-12-01';
const TO = '2026-11-30';

/** The page's numbers table: header cells, body rows (period first), and the totals row. */
function pageTable(text: string): { head: string[]; rows: string[][]; totals: string[] } {
  const table = /<table class="usage-table">([\s\S]*?)<\/table>/.exec(text)?.[1] ?? '';
  const cells = (row: string) =>
    [...row.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((m) => m[1] as string);
  const section = (tag: string) => /<tag>([\s\S]*?)<\/tag>/.source.replaceAll('tag', tag);
  const rowsOf = (tag: string) =>
    [...(new RegExp(section(tag)).exec(table)?.[1] ?? '').matchAll(/<tr[^>]*>([\s\S]*?)<\/tr>/g)].map((m) =>
      cells(m[1] as string),
    );
  return { head: rowsOf('thead')[0] ?? [], rows: rowsOf('tbody'), totals: rowsOf('tfoot')[0] ?? [] };
}

/** CSV lines split into cells (the cells here hold no commas or quotes). */
const csvRows = (text: string) =>
  text
    .trimEnd()
    .split('\r\n')
    .map((l) => l.split(','));

const shown = (v: number | null) => (v === null ? '' : Number.isInteger(v) ? String(v) : v.toFixed(2));

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`admin usage page on ${engine}`, () => {
    let hub: TestHub;
    let sessions: Session[];
    let boss: Browser;

    before(async () => {
      hub = await TestHub.start({
        engine,
        configure: (c) => {
          c.usage.time_zone = HISTORY_ZONE;
        },
      });
      // Only ended starts, so every number is exact (running ones are the API test's).
      sessions = (await writeHistory(hub.hub.db)).filter((s) => s.ended !== null);
      await hub.hub.db.deleteFrom('usage_records').where('ended_at', 'is', null).execute();
      // Records are never deleted by the hub: its summaries follow only by being built again.
      await buildSummaries(hub.hub.db, HISTORY_ZONE);
      await hub.addUser('boss', { admin: true, password: 'boss-password-1' });
      boss = await hub.login('boss', 'boss-password-1');
    });
    after(() => hub.stop());

    for (const measure of MEASURES) {
      test(`the table and the CSV of ${measure} hold the expected numbers`, async () => {
        const query = `from=${FROM}&to=${TO}&measure=${measure}`;
        const page = await boss.get(`/hub/admin/usage?${query}`);
        assert.equal(page.status, 200, page.text);
        const csv = await boss.get(`/hub/admin/usage.csv?${query}`);
        assert.equal(csv.status, 200);
        assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
        assert.match(csv.headers.get('content-disposition') ?? '', /attachment; filename="usage-/);

        const expected = expectedRows(sessions, {
          from: FROM,
          to: TO,
          groupBy: 'week',
          by: 'app',
          now: new Date(),
        });
        const apps = [...new Set(expected.map((r) => r.key as string))].sort();
        const table = pageTable(page.text);
        assert.deepEqual(table.head, ['Week from', ...apps]);
        assert.equal(table.rows.length, 53, 'every week of the range, with starts or not');
        const median = measure.startsWith('median_');
        for (const row of table.rows) {
          const [period, ...values] = row as [string, ...string[]];
          const want = apps.map((app) => {
            const e = expected.find((r) => r.period === period && r.key === app);
            return e ? shown(e[measure]) : median ? '' : '0';
          });
          assert.deepEqual(
            values.map((v) => (v === '—' ? '' : v)),
            want,
            `${measure}, week of ${period}`,
          );
        }
        const totals = expectedRows(sessions, {
          from: FROM,
          to: TO,
          groupBy: 'all',
          by: 'app',
          now: new Date(),
        });
        assert.deepEqual(
          table.totals.slice(1).map((v) => (v === '—' ? '' : v)),
          apps.map((app) => shown(totals.find((t) => t.key === app)?.[measure] ?? null)),
        );
        // The CSV is the table, cell for cell.
        const lines = csvRows(csv.text);
        assert.deepEqual(lines[0], table.head);
        assert.deepEqual(
          lines.slice(1, -1),
          table.rows.map((r) => r.map((v) => (v === '—' ? '' : v))),
        );
        assert.deepEqual(
          lines.at(-1)?.slice(1),
          table.totals.slice(1).map((v) => (v === '—' ? '' : v)),
        );
      });
    }

    test('filters and the split change what is shown', async () => {
      const page = await boss.get(
        `/hub/admin/usage?from=${FROM}&to=${TO}&by=partition&group=chem&group_by=month`,
      );
      const table = pageTable(page.text);
      const kept = sessions.filter((s) => s.groups.includes('chem'));
      const expected = expectedRows(kept, {
        from: FROM,
        to: TO,
        groupBy: 'month',
        by: 'partition',
        now: new Date(),
      });
      const keys = [...new Set(expected.map((r) => r.key ?? 'none'))].sort();
      assert.deepEqual(table.head, ['Month', ...keys]);
      assert.equal(table.rows.length, 12);
      for (const e of expected) {
        const row = table.rows.find((r) => r[0] === e.period);
        assert.equal(row?.[1 + keys.indexOf(e.key ?? 'none')], String(e.sessions), `${e.period} ${e.key}`);
      }
    });

    test('cells a spreadsheet would run as formulas are defused', async () => {
      assert.equal(csvCell('=HYPERLINK("http://x")'), `"'=HYPERLINK(""http://x"")"`);
      for (const text of ['+1', '-1', '@SUM(A1)', '\t=1']) assert.equal(csvCell(text)[0], "'");
      assert.equal(csvCell('jupyterlab'), 'jupyterlab');
      const user = await hub.hub.db
        .selectFrom('users')
        .select(['id', 'name'])
        .where('name', '=', 'alice')
        .executeTakeFirstOrThrow();
      await openRecord(
        hub.hub.db,
        { serverId: 1, user, app: 'jupyterlab', serverName: '', options: { partition: '=cmd|calc' } },
        '2026-06-10T10:00:00.000Z',
      );
      await recordSubmitted(hub.hub.db, 1, '2026-06-10T10:00:00.000Z', false);
      await recordRunning(hub.hub.db, 1, '2026-06-10T10:00:00.000Z', undefined);
      await recordEnded(hub.hub.db, 1, '2026-06-10T11:00:00.000Z', 'user_stop');
      const csv = await boss.get('/hub/admin/usage.csv?from=2026-06-01&to=2026-06-30&by=partition');
      assert.match(csv.text.split('\r\n')[0] ?? '', /^Week from,'=cmd\|calc$/);
      const page = await boss.get('/hub/admin/usage?from=2026-06-01&to=2026-06-30&by=partition');
      assert.match(page.text, /<th scope="col" class="num">=cmd\|calc<\/th>/);
    });

    test('bad input is a 400 naming the field; others do not find the page', async () => {
      for (const [query, field] of [
        ['measure=cost', 'measure'],
        ['from=2026-13-01', 'from'],
        ['from=2026-05-01&to=2026-04-01', 'to'],
      ] as const) {
        for (const path of ['/hub/admin/usage', '/hub/admin/usage.csv']) {
          const res = await boss.get(`${path}?${query}`);
          assert.equal(res.status, 400, `${path}?${query}`);
          assert.match(res.text, new RegExp(field), `${path}?${query}`);
        }
      }
      await hub.addUser('eve', { password: 'eve-password-1' });
      const eve = await hub.login('eve', 'eve-password-1');
      for (const path of ['/hub/admin/usage', '/hub/admin/usage.csv'])
        assert.equal((await eve.get(path)).status, 404);
    });

    test('the home page shows the user their own this week and last', async () => {
      await hub.addUser('erin', { password: 'erin-password-1' });
      const erin = await hub.hub.db
        .selectFrom('users')
        .select(['id', 'name'])
        .where('name', '=', 'erin')
        .executeTakeFirstOrThrow();
      const now = Date.now();
      const iso = (ms: number) => new Date(ms).toISOString();
      // Last week: exactly seven days ago (in this week's shadow), 2 cores for 90 minutes, 1 GPU.
      const last = now - 7 * 86_400_000;
      await openRecord(
        hub.hub.db,
        { serverId: 7001, user: erin, app: 'rstudio', serverName: '', options: { cores: 2, gpus: 1 } },
        iso(last),
      );
      await recordSubmitted(hub.hub.db, 7001, iso(last), true);
      await recordEnded(hub.hub.db, 7001, iso(last + 90 * 60_000), 'user_stop');
      // This week: one still running for an hour on 4 cores, and one that never ran.
      await openRecord(
        hub.hub.db,
        { serverId: 7002, user: erin, app: 'jupyterlab', serverName: 'a', options: { cores: 4 } },
        iso(now - 3_600_000),
      );
      await recordSubmitted(hub.hub.db, 7002, iso(now - 3_600_000), true);
      await openRecord(
        hub.hub.db,
        { serverId: 7003, user: erin, app: 'jupyterlab', serverName: 'b', options: { cores: 4 } },
        iso(now - 60_000),
      );
      const page = await (await hub.login('erin', 'erin-password-1')).get('/hub/home');
      const row = (label: string) =>
        [
          ...(
            new RegExp(`<th scope="row">${label}</th>([\\s\\S]*?)</tr>`).exec(page.text)?.[1] ?? ''
          ).matchAll(/<td[^>]*>([^<]*)<\/td>/g),
        ].map((m) => m[1]);
      assert.deepEqual(row('Last week'), ['1', '3', '1.50']);
      const [sessionsNow, coreNow, gpuNow] = row('This week');
      assert.equal(sessionsNow, '2');
      assert.ok(Number(coreNow) >= 4 && Number(coreNow) < 4.1, `core-hours this week: ${coreNow}`);
      assert.equal(gpuNow, '0');
      // Another user's home shows none of it.
      const other = await boss.get('/hub/home');
      assert.match(other.text, /<th scope="row">This week<\/th><td class="num">0<\/td>/);
    });
  });
}
