// A shared node: hpchub-alice runs TensorBoard and a site app with `listen: tcp`, and hpchub-bob,
// another user's process on the same machine, tries every TCP port alice's jobs listen on — in
// the machine's network and in the apps' own — on 127.0.0.1 and on the machine's address, over
// HTTP and HTTPS. Nothing answers with content: the apps run in network namespaces of their own
// (network: isolated) behind 0600 unix sockets, and the agent's TLS port wants the server's secret.
// The same app with `network: host` does answer bob, which shows the probe would find one. And
// `ps` as bob shows none of alice's secrets.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AGENT_ENV, type ServerModel } from '@hpchub/protocol';
import { readEvents, TestHub } from '../../test-support/hub.js';
import { testSystemUser, testSystemUsers } from '../../test-support/system-users.js';
import { TINY_APP, writeTinyApps } from '../../test-support/tiny-app.js';
import type { ProgressEvent } from '../progress.js';

const VENV_BIN = '/opt/hpchub-test/venv/bin';
const users = testSystemUsers();
const alice = testSystemUser(users, 'hpchub-alice');
const bob = testSystemUser(users, 'hpchub-bob');
const TINY_HOST = 'tiny-host';

/** Pids of every process of `uid`. */
function processesOf(uid: number): number[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map(Number)
    .filter((pid) => {
      try {
        return new RegExp(`^Uid:\\s+${uid}\\s`, 'm').test(readFileSync(`/proc/${pid}/status`, 'utf8'));
      } catch {
        return false;
      }
    });
}

/** Ports in LISTEN state on sockets the process holds, read from the process's own network view. */
function listeningPorts(pid: number): number[] {
  const inodes = new Set<string>();
  try {
    for (const fd of readdirSync(`/proc/${pid}/fd`)) {
      const link = readlinkSync(`/proc/${pid}/fd/${fd}`, { encoding: 'utf8' });
      const m = /^socket:\[(\d+)\]$/.exec(link);
      if (m) inodes.add(m[1] as string);
    }
  } catch {
    return [];
  }
  const ports: number[] = [];
  for (const table of ['tcp', 'tcp6']) {
    for (const line of readFileSync(`/proc/${pid}/net/${table}`, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is field 1 (ADDR:PORT in hex), st field 3 (0A = LISTEN), inode field 9.
      if (f[3] === '0A' && inodes.has(f[9] as string))
        ports.push(Number.parseInt((f[1] as string).split(':')[1] as string, 16));
    }
  }
  return ports;
}

/** What bob gets from each port, over HTTP and HTTPS, on each host: the status and the body's start. */
function probeAsBob(
  hosts: string[],
  ports: number[],
): Array<{ url: string; status?: number; body?: string; error?: string }> {
  const script = `
const [hosts, ports] = JSON.parse(process.argv[1]);
const http = require('node:http'), https = require('node:https');
const one = (mod, url) => new Promise((resolve) => {
  const req = mod.get(url, { rejectUnauthorized: false, timeout: 3000 }, (res) => {
    let body = ''; res.on('data', (c) => { if (body.length < 300) body += c; });
    res.on('end', () => resolve({ url, status: res.statusCode, body }));
    res.on('error', (e) => resolve({ url, error: e.code || e.message }));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => resolve({ url, error: e.code || e.message }));
});
(async () => {
  const out = [];
  for (const host of hosts) for (const port of ports)
    for (const [mod, scheme] of [[http, 'http'], [https, 'https']]) out.push(await one(mod, scheme + '://' + host + ':' + port + '/'));
  process.stdout.write(JSON.stringify(out));
})();`;
  const out = execFileSync(
    'runuser',
    ['-u', bob.name, '--', '/usr/bin/node', '-e', script, JSON.stringify([hosts, ports])],
    {
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  return JSON.parse(out);
}

describe('apps of one user on a node shared with another', () => {
  const appsDir = mkdtempSync(join(tmpdir(), 'hpchub-shared-node-'));
  let hub: TestHub;
  let token: string;
  const auth = () => ({ authorization: `token ${token}` });

  before(async () => {
    if (!existsSync(`${VENV_BIN}/tensorboard`))
      throw new Error(`${VENV_BIN}/tensorboard is missing — run: sudo bash scripts/provision/apps.sh`);
    // The tiny site app twice: as a site defines it (listen: tcp, the default network), and on
    // the node's loopback (network: host), which another user can reach.
    const appsFile = writeTinyApps(appsDir);
    const apps = JSON.parse(readFileSync(appsFile, 'utf8')) as Array<Record<string, unknown>>;
    const tiny = apps.find((a) => a.id === TINY_APP) as Record<string, unknown>;
    apps.push({ ...tiny, id: TINY_HOST, title: 'Tiny app on the host network', network: 'host' });
    writeFileSync(appsFile, JSON.stringify(apps), { mode: 0o644 });
    hub = await TestHub.start({
      configure: (c) => {
        c.auth.authenticator = 'pam';
        c.apps.file = appsFile;
        c.apps.enabled = ['tensorboard', TINY_APP, TINY_HOST];
        c.spawner.poll_interval_seconds = 1;
        c.spawner.path_prepend = [VENV_BIN];
        c.spawner.start_timeout_seconds = 120;
      },
    });
    await hub.addUser(alice.name);
    token = await hub.tokenFor(alice.name, ['self']);
  });
  after(async () => {
    for (const s of ['tb', 'site', 'exposed'])
      await hub.api('DELETE', `/users/${alice.name}/servers/${s}`, { token }).catch(() => undefined);
    await hub.stop();
    rmSync(appsDir, { recursive: true, force: true });
    rmSync(join(alice.home, '.hpchub'), { recursive: true, force: true });
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

  test('bob reaches nothing of alice’s TensorBoard and site app, over HTTP or HTTPS, on any port', async () => {
    // TensorBoard's log directory is chosen in the picker first; then TensorBoard itself runs.
    const tb = await startReady('tb', 'tensorboard');
    const first = await fetch(tb, { headers: { ...auth(), accept: 'text/html' }, redirect: 'manual' });
    const picker = new URL(first.headers.get('location') ?? '', tb).toString();
    const chosen = await fetch(`${picker}api/choose`, {
      method: 'POST',
      headers: { ...auth(), 'content-type': 'application/json', origin: new URL(hub.url).origin },
      body: JSON.stringify({ path: '' }),
    });
    assert.ok([200, 202].includes(chosen.status), await chosen.text());
    let environment = 0;
    for (let i = 0; i < 240 && environment !== 200; i++) {
      environment = (await fetch(`${tb}data/environment`, { headers: auth() })).status;
      if (environment !== 200) await sleep(500);
    }
    assert.equal(environment, 200, 'TensorBoard answers alice through the proxy');
    const site = await startReady('site', TINY_APP);
    assert.equal(await (await fetch(site, { headers: auth() })).text(), 'tiny', 'the site app answers alice');
    const exposed = await startReady('exposed', TINY_HOST);
    assert.equal(await (await fetch(exposed, { headers: auth() })).text(), 'tiny');

    // Every port a process of alice's listens on, in the node's network and in the apps' own.
    const aliceProcesses = processesOf(alice.uid);
    const ports = [...new Set(aliceProcesses.flatMap(listeningPorts))].sort((a, b) => a - b);
    assert.ok(ports.length >= 6, `three agents and three apps listen: ${ports.join(', ')}`);
    const results = probeAsBob(['127.0.0.1', hostname()], ports);
    const content = results.filter(
      (r) => r.status !== undefined && (r.status < 400 || /tiny|TensorBoard/i.test(r.body ?? '')),
    );
    // What answers bob is the app on the node's network (network: host), and nothing else.
    const hostNetwork = readlinkSync('/proc/self/ns/net');
    const exposedPorts = aliceProcesses
      .filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('tiny.js'))
      .filter((pid) => readlinkSync(`/proc/${pid}/ns/net`) === hostNetwork)
      .flatMap(listeningPorts);
    assert.equal(exposedPorts.length, 1, 'one tiny app runs on the node’s network');
    assert.ok(content.length > 0, 'the probe finds the app on the node’s network');
    for (const r of content) {
      assert.equal(
        Number(new URL(r.url).port),
        exposedPorts[0],
        `bob got content from ${r.url}: ${r.status} ${r.body}`,
      );
      assert.equal(r.body, 'tiny');
    }
  });

  test('ps as bob shows none of alice’s secrets, and her agents’ environments are closed to him', async () => {
    const agents = processesOf(alice.uid).filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`${AGENT_ENV.secret}=`);
      } catch {
        return false;
      }
    });
    assert.ok(agents.length >= 3, 'alice’s agents are running');
    const secrets = agents.map(
      (pid) =>
        readFileSync(`/proc/${pid}/environ`, 'utf8')
          .split('\0')
          .find((e) => e.startsWith(`${AGENT_ENV.secret}=`))
          ?.slice(AGENT_ENV.secret.length + 1) as string,
    );
    const ps = execFileSync('runuser', ['-u', bob.name, '--', 'ps', '-eww', '-o', 'user,args'], {
      encoding: 'utf8',
    });
    assert.match(ps, /hpchub-alice/, 'bob sees alice’s processes');
    for (const secret of [...secrets, token])
      assert.ok(!ps.includes(secret), 'no secret in any process’s arguments');
    const readAsBob = execFileSync(
      'runuser',
      [
        '-u',
        bob.name,
        '--',
        '/bin/sh',
        '-c',
        `cat /proc/${agents[0]}/environ >/dev/null 2>&1 && echo readable || echo closed`,
      ],
      { encoding: 'utf8' },
    ).trim();
    assert.equal(readAsBob, 'closed');
  });
});
