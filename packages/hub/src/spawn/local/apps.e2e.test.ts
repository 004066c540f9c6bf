// code-server and TensorBoard end to end, as a system user on the local spawner, through the
// hub's proxy and the agent: code-server's workbench loads and its WebSocket connects;
// TensorBoard's log directory is chosen in the agent's directory picker and its scalars answer.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerModel } from '@hpchub/protocol';
import WebSocket from 'ws';
import { readEvents, TestHub } from '../../test-support/hub.js';
import { testSystemUser, testSystemUsers } from '../../test-support/system-users.js';
import type { ProgressEvent } from '../progress.js';

const VENV_BIN = '/opt/hpchub-test/venv/bin';
const CODE_SERVER_BIN = '/opt/hpchub-test/code-server/node_modules/.bin';
const alice = testSystemUser(testSystemUsers(), 'hpchub-alice');
const RUNS = join(alice.home, 'hpchub-e2e-runs');

/** Writes a real TensorBoard event file with a `loss` scalar, as alice, with TensorBoard's own writer. */
function writeEventFile(): void {
  const python = `
import time
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter
w = EventFileWriter(${JSON.stringify(join(RUNS, 'exp1'))})
for step in range(5):
    value = summary_pb2.Summary.Value(tag='loss', simple_value=1.0 / (step + 1))
    w.add_event(event_pb2.Event(step=step, wall_time=time.time(), summary=summary_pb2.Summary(value=[value])))
w.close()
`;
  execFileSync('runuser', ['-u', alice.name, '--', `${VENV_BIN}/python`, '-c', python], { cwd: '/' });
}

describe('code-server and TensorBoard through the proxy', () => {
  let hub: TestHub;
  let token: string;
  const auth = () => ({ authorization: `token ${token}` });

  before(async () => {
    for (const bin of [`${VENV_BIN}/tensorboard`, `${CODE_SERVER_BIN}/code-server`]) {
      if (!existsSync(bin)) throw new Error(`${bin} is missing — run: sudo bash scripts/provision/apps.sh`);
    }
    hub = await TestHub.start({
      configure: (c) => {
        c.auth.authenticator = 'pam';
        c.spawner.poll_interval_seconds = 1;
        c.spawner.path_prepend = [VENV_BIN, CODE_SERVER_BIN];
        c.spawner.start_timeout_seconds = 120;
      },
    });
    await hub.addUser(alice.name);
    token = await hub.tokenFor(alice.name, ['self']);
  });
  after(async () => {
    for (const s of ['code', 'tb'])
      await hub.api('DELETE', `/users/${alice.name}/servers/${s}`, { token }).catch(() => undefined);
    await hub.stop();
    rmSync(RUNS, { recursive: true, force: true });
  });

  async function startReady(server: string, app: string): Promise<string> {
    const started = await hub.api<ServerModel>('POST', `/users/${alice.name}/servers/${server}`, {
      token,
      body: { user_options: { app } },
    });
    assert.equal(started.status, 202, started.text);
    const events = await readEvents<ProgressEvent>(`${hub.url}${started.body.progress_url}`, auth(), {
      timeoutMs: 150_000,
    });
    assert.equal(events.at(-1)?.ready, true, JSON.stringify(events, null, 1));
    return `${hub.url}${started.body.url}`;
  }

  test('code-server: the workbench page loads and its WebSocket connects', async () => {
    const base = await startReady('code', 'code-server');
    // code-server answers / with a redirect to its workbench; follow it by hand, as a browser would.
    let res = await fetch(base, { headers: auth(), redirect: 'manual' });
    let url = base;
    for (let i = 0; i < 3 && res.status >= 300 && res.status < 400; i++) {
      url = new URL(res.headers.get('location') ?? '', url).toString();
      res = await fetch(url, { headers: auth(), redirect: 'manual' });
    }
    const page = await res.text();
    assert.equal(res.status, 200, page.slice(0, 300));
    assert.match(page, /vscode-workbench-web-configuration|workbench\.js/);
    assert.ok(url.startsWith(base), `stays under the prefix: ${url}`);

    const host = new URL(hub.url).host;
    const ws = new WebSocket(
      `${base.replace(/^http/, 'ws')}?reconnectionToken=${randomUUID()}&reconnection=false&skipWebSocketFrames=false`,
      {
        headers: { ...auth(), origin: `http://${host}` },
      },
    );
    const opened = await new Promise<boolean>((resolve, reject) => {
      ws.once('open', () => resolve(true));
      ws.once('unexpected-response', (_req, r) =>
        reject(new Error(`WebSocket refused with ${r.statusCode}`)),
      );
      ws.once('error', reject);
    });
    assert.equal(opened, true);
    ws.close();
  });

  test('TensorBoard: a log directory with a real event file is chosen in the picker, and scalars answer', async () => {
    writeEventFile();
    const base = await startReady('tb', 'tensorboard');
    const first = await fetch(base, { headers: { ...auth(), accept: 'text/html' }, redirect: 'manual' });
    assert.equal(first.status, 302);
    const picker = new URL(first.headers.get('location') ?? '', base).toString();
    assert.ok(picker.startsWith(`${base}_hpchub/picker/`), picker);
    const page = await fetch(picker, { headers: auth() });
    assert.equal(page.status, 200);

    const listing = await fetch(`${picker}api/dirs?path=`, { headers: auth() });
    const dirs = JSON.stringify(await listing.json());
    assert.match(dirs, /hpchub-e2e-runs/);
    const outside = await fetch(`${picker}api/dirs?path=${encodeURIComponent('../..')}`, { headers: auth() });
    assert.ok(outside.status >= 400 && outside.status < 500, `no escape above home: ${outside.status}`);

    const origin = new URL(hub.url).origin;
    const chosen = await fetch(`${picker}api/choose`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json', origin },
      body: JSON.stringify({ path: 'hpchub-e2e-runs' }),
    });
    assert.ok([200, 202].includes(chosen.status), await chosen.text());

    let tags: Record<string, unknown> = {};
    for (let i = 0; i < 240; i++) {
      const res = await fetch(`${base}data/plugin/scalars/tags`, { headers: auth() });
      if (res.status === 200) {
        tags = (await res.json()) as Record<string, unknown>;
        if (JSON.stringify(tags).includes('loss')) break;
      }
      await sleep(500);
    }
    assert.ok(JSON.stringify(tags).includes('loss'), JSON.stringify(tags));
    const scalars = await fetch(`${base}data/plugin/scalars/scalars?run=exp1&tag=loss`, { headers: auth() });
    assert.equal(scalars.status, 200);
    const points = (await scalars.json()) as [number, number, number][];
    assert.equal(points.length, 5);
    assert.equal(points[4]?.[1], 4);
  });
});
