// What an agent sends the hub, as anyone on the network between them would see it: a recording
// TCP relay sits between a real spawn's agent and the hub (spawner.hub_url names the relay), and
// after ready, heartbeats and stopping, the captured bytes hold neither the server's secret nor
// an API token — the agent speaks TLS, pinned to the hub's own certificate, by default.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { AGENT_ENV } from '@hpchub/protocol';
import { TestHub } from '../../test-support/hub.js';
import { startTinyServer, TINY_APP, writeTinyApps } from '../../test-support/tiny-app.js';

/** A TCP relay to `port` that keeps every byte of every connection, both ways. */
class RecordingRelay {
  readonly chunks: Buffer[] = [];
  connections = 0;
  private readonly server: Server;

  constructor(private readonly target: () => number) {
    this.server = createServer((client) => {
      this.connections++;
      const upstream = createConnection({ host: '127.0.0.1', port: this.target() });
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        from.on('data', (chunk: Buffer) => {
          this.chunks.push(Buffer.from(chunk));
          to.write(chunk);
        });
        from.on('end', () => to.end());
        from.on('error', () => to.destroy());
      }
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as { port: number }).port;
  }

  captured(): Buffer {
    return Buffer.concat(this.chunks);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** A variable of the environment of a process in process group `pgid` (root reads them all). */
function jobEnviron(pgid: number, name: string): string | undefined {
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      // The process group is the fifth field after the command name's closing parenthesis.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== pgid) continue;
      const entries = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
      const found = entries.find((e) => e.startsWith(`${name}=`));
      if (found) return found.slice(name.length + 1);
    } catch {
      // the process ended meanwhile
    }
  }
  return undefined;
}

describe('the agent → hub channel on the wire', () => {
  const appsDir = mkdtempSync(join(tmpdir(), 'hpchub-wire-apps-'));
  let hub: TestHub;
  let token: string;
  let relay: RecordingRelay;

  before(async () => {
    relay = new RecordingRelay(() => Number(new URL(hub.url).port));
    const relayPort = await relay.listen();
    const appsFile = writeTinyApps(appsDir);
    hub = await TestHub.start({
      configure: (c) => {
        c.apps.file = appsFile;
        c.apps.enabled = [TINY_APP];
        c.spawner.poll_interval_seconds = 1;
        // Jobs are told to reach the hub through the relay, as they would through a network.
        c.spawner.hub_url = `http://127.0.0.1:${relayPort}`;
      },
    });
    await hub.addUser('alice');
    token = await hub.tokenFor('alice');
  });
  after(async () => {
    // Local servers outlive their hub: a test that failed midway stops its own.
    await hub.api('DELETE', '/users/alice/servers/wire', { token }).catch(() => undefined);
    await hub.stop();
    await relay.close();
    rmSync(appsDir, { recursive: true, force: true });
  });

  test('ready, heartbeats and stopping carry neither the secret nor a token in clear', async () => {
    const { pgid } = (await startTinyServer(hub, token, 'alice', 'wire', 0.5)).state;
    const secret = jobEnviron(pgid, AGENT_ENV.secret);
    assert.ok(secret && secret.length >= 16, 'the agent was given a secret');
    assert.match(jobEnviron(pgid, AGENT_ENV.hubUrl) ?? '', /^https:\/\/127\.0\.0\.1:/);
    // A few heartbeats pass the relay, then the stop's `stopping`.
    const before = relay.connections;
    while (relay.connections < before + 3) await sleep(200);
    const stopped = await hub.api('DELETE', '/users/alice/servers/wire', { token });
    assert.equal(stopped.status, 204, stopped.text);

    // The relay records what passes: a request in clear shows up in it.
    const marker = `wire-marker-${Date.now()}`;
    const relayUrl = hub.hub.config.spawner.hub_url;
    await fetch(`${relayUrl}/hub/api`, { headers: { 'x-marker': marker } });

    const captured = relay.captured();
    assert.ok(captured.includes(marker), 'the capture sees clear text when there is any');
    assert.ok(relay.connections >= 5, `${relay.connections} connections passed the relay`);
    for (const [what, value] of [
      ['the server’s secret', secret],
      ['the user’s API token', token],
      ['the agent’s secret header', 'x-hpchub-agent-secret'],
    ] as const) {
      assert.ok(!captured.includes(value), `${what} is not on the wire in clear`);
      assert.ok(!captured.includes(Buffer.from(value).toString('base64')), `nor ${what} in base64`);
    }
  });
});
