// A known usage history for tests of the statistics: several apps, users, groups and partitions;
// starts on both sides of week, month and year boundaries and of both clock changes of
// Europe/Zurich; starts that never ran, failed, or still run. Written through usage/record.ts as
// the spawning service writes it, and summed here independently of usage/ (Intl for the local
// date, plain loops for the rest), so a test compares the two.
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import { openRecord, recordEnded, recordReady, recordRunning, recordSubmitted } from '../usage/index.js';
import { addMembers, createGroup, createUser, findGroup, removeMembers } from '../users/store.js';

export const HISTORY_ZONE = 'Europe/Zurich';

export interface Session {
  user: string;
  /** Groups at the time of the request. */
  groups: string[];
  app: string;
  partition: string | null;
  cores: number;
  gpus: number;
  requested: string;
  /** Minutes after the request; null when it never got so far. */
  submitted: number | null;
  running: number | null;
  ready: number | null;
  /** Minutes after the request; null while it still runs. */
  ended: number | null;
}

const at = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000).toISOString();

const S = (
  user: string,
  app: string,
  partition: string | null,
  resources: [cores: number, gpus: number],
  requested: string,
  minutes: [submitted: number | null, running: number | null, ready: number | null, ended: number | null],
): Omit<Session, 'groups'> => ({
  user,
  app,
  partition,
  cores: resources[0],
  gpus: resources[1],
  requested,
  submitted: minutes[0],
  running: minutes[1],
  ready: minutes[2],
  ended: minutes[3],
});

/** Alice leaves `chem` after the year's first week: later starts count for `physics` only. */
const FIRST: Omit<Session, 'groups'>[] = [
  // Wednesday 31 December 2025, 23:30 in Zurich; and 00:30 on 1 January 2026, the same ISO week.
  S('alice', 'jupyterlab', 'normal', [4, 0], '2025-12-31T22:30:00.000Z', [0, 3, 4, 120]),
  S('bob', 'jupyterlab', 'normal', [2, 0], '2025-12-31T23:30:00.000Z', [1, 2, 5, 60]),
  // Sunday 4 January 23:59 local (week of 29 December), ending in the next week: all its hours there.
  S('carol', 'code-server', null, [1, 0], '2026-01-04T22:59:00.000Z', [0, 0, 1, 600]),
  S('alice', 'rstudio', 'gpu', [8, 2], '2026-01-04T12:00:00.000Z', [0, 30, 33, 90]),
];
const LATER: Omit<Session, 'groups'>[] = [
  // Monday 5 January 00:00 local: the next week.
  S('dave', 'jupyterlab', 'gpu', [4, 1], '2026-01-04T23:00:00.000Z', [0, 10, 12, 240]),
  // Around the spring change (29 March, 02:00 → 03:00): Sunday 23:59 CEST, then Monday 00:00.
  S('alice', 'jupyterlab', 'normal', [2, 0], '2026-03-29T21:59:00.000Z', [0, 1, 2, 61]),
  S('bob', 'code-server', 'normal', [1, 0], '2026-03-29T22:00:00.000Z', [0, 4, 6, 30]),
  // 00:30 local on Sunday 29 March is still Saturday 23:30 in UTC.
  S('carol', 'rstudio', 'normal', [2, 0], '2026-03-28T23:30:00.000Z', [0, 2, 3, 45]),
  // Around the autumn change (25 October, 03:00 → 02:00): Sunday 23:59 CET, then Monday 00:00.
  S('dave', 'code-server', 'gpu', [6, 2], '2026-10-25T22:59:00.000Z', [0, 20, 22, 200]),
  S('alice', 'rstudio', 'normal', [2, 0], '2026-10-25T23:00:00.000Z', [0, 5, 9, 100]),
  // Cancelled while queued; failed after running; never launched.
  S('bob', 'jupyterlab', 'gpu', [8, 4], '2026-10-27T09:00:00.000Z', [0, null, null, 15]),
  S('carol', 'jupyterlab', 'normal', [2, 0], '2026-10-28T09:00:00.000Z', [0, 3, null, 8]),
  S('dave', 'rstudio', 'normal', [1, 0], '2026-10-28T10:00:00.000Z', [null, null, null, 1]),
  // Still running, and still queued.
  S('alice', 'jupyterlab', 'gpu', [4, 1], '2026-11-02T08:00:00.000Z', [0, 7, 8, null]),
  S('bob', 'code-server', 'normal', [2, 0], '2026-11-03T08:00:00.000Z', [0, null, null, null]),
];

const GROUPS: Record<string, string[]> = {
  alice: ['physics', 'chem'],
  bob: ['physics'],
  carol: [],
  dave: ['chem'],
};

/** Writes the history into `db` (users and groups included); returns its sessions. */
export async function writeHistory(db: Kysely<Database>): Promise<Session[]> {
  const ids = new Map<string, number>();
  for (const name of Object.keys(GROUPS))
    ids.set(name, (await createUser(db, { name, admin: false, passwordHash: null })).id);
  for (const group of ['physics', 'chem']) {
    const { id } = (await findGroup(db, group)) ?? (await createGroup(db, group));
    const members = Object.keys(GROUPS).filter((u) => GROUPS[u]?.includes(group));
    await addMembers(
      db,
      id,
      members.map((u) => ids.get(u) as number),
    );
  }
  const sessions: Session[] = [];
  let serverId = 1000;
  const write = async (s: Omit<Session, 'groups'>, groups: string[]) => {
    const id = ++serverId;
    const user = { id: ids.get(s.user) as number, name: s.user };
    const options = { cores: s.cores, gpus: s.gpus, ...(s.partition ? { partition: s.partition } : {}) };
    await openRecord(db, { serverId: id, user, app: s.app, serverName: '', options }, s.requested);
    if (s.submitted !== null) await recordSubmitted(db, id, at(s.requested, s.submitted), false);
    if (s.running !== null) await recordRunning(db, id, at(s.requested, s.running), 'node1');
    if (s.ready !== null) await recordReady(db, id, at(s.requested, s.ready), 'node1');
    if (s.ended !== null) await recordEnded(db, id, at(s.requested, s.ended), 'user_stop');
    sessions.push({ ...s, groups });
  };
  for (const s of FIRST) await write(s, GROUPS[s.user] ?? []);
  const chem = await findGroup(db, 'chem');
  if (chem) await removeMembers(db, chem.id, [ids.get('alice') as number]);
  for (const s of LATER)
    await write(
      s,
      (GROUPS[s.user] ?? []).filter((g) => !(s.user === 'alice' && g === 'chem')),
    );
  return sessions;
}

export interface ExpectedRow {
  period: string;
  key: string | null;
  sessions: number;
  users: number;
  core_hours: number;
  gpu_hours: number;
  median_queue_wait_seconds: number | null;
  median_time_to_ready_seconds: number | null;
}

const localDate = (iso: string) =>
  new Intl.DateTimeFormat('en-CA', {
    timeZone: HISTORY_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(new Date(iso));

/** The period a start counts in; '' for `all`, the whole range (the totals). */
function periodOf(iso: string, groupBy: 'day' | 'week' | 'month' | 'all'): string {
  const day = localDate(iso);
  if (groupBy === 'all') return '';
  if (groupBy === 'day') return day;
  if (groupBy === 'month') return `${day.slice(0, 7)}-01`;
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? (v[mid] as number) : ((v[mid - 1] as number) + (v[mid] as number)) / 2;
}

/**
 * The statistics of `sessions` requested on the days `from` to `to` (local), by period and key,
 * with running servers counted up to `now`.
 */
export function expectedRows(
  sessions: Session[],
  q: {
    from: string;
    to: string;
    groupBy: 'day' | 'week' | 'month' | 'all';
    by?: 'app' | 'user' | 'group' | 'partition';
    now: Date;
  },
): ExpectedRow[] {
  const buckets = new Map<string, { period: string; key: string | null; s: Session[] }>();
  for (const s of sessions) {
    const day = localDate(s.requested);
    if (day < q.from || day > q.to) continue;
    const period = periodOf(s.requested, q.groupBy);
    const keys: (string | null)[] =
      q.by === 'app'
        ? [s.app]
        : q.by === 'user'
          ? [s.user]
          : q.by === 'partition'
            ? [s.partition]
            : q.by === 'group'
              ? s.groups.length
                ? s.groups
                : [null]
              : [null];
    for (const key of keys) {
      const id = `${period}|${key}`;
      const b = buckets.get(id) ?? { period, key, s: [] };
      b.s.push(s);
      buckets.set(id, b);
    }
  }
  return [...buckets.values()]
    .map(({ period, key, s }) => {
      let core = 0;
      let gpu = 0;
      for (const x of s) {
        if (x.running === null) continue;
        const startMs = Date.parse(x.requested) + x.running * 60_000;
        const endMs = x.ended === null ? q.now.getTime() : Date.parse(x.requested) + x.ended * 60_000;
        core += (x.cores * (endMs - startMs)) / 1000;
        gpu += (x.gpus * (endMs - startMs)) / 1000;
      }
      const waits = s.flatMap((x) =>
        x.running === null || x.submitted === null ? [] : [(x.running - x.submitted) * 60],
      );
      const readies = s.flatMap((x) => (x.ready === null ? [] : [x.ready * 60]));
      return {
        period,
        key,
        sessions: s.length,
        users: new Set(s.map((x) => x.user)).size,
        core_hours: Math.round((core / 3600) * 100) / 100,
        gpu_hours: Math.round((gpu / 3600) * 100) / 100,
        median_queue_wait_seconds: median(waits),
        median_time_to_ready_seconds: median(readies),
      };
    })
    .sort((a, b) => a.period.localeCompare(b.period) || (a.key ?? '').localeCompare(b.key ?? ''));
}
