// Where an app listens: a free loopback port, outside the range from which the kernel hands out
// ports of its own choosing, so that no other socket can be given it while the app starts.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { test } from 'node:test';
import { freePort } from './app-launch.js';

test('a free port is below the kernel’s ephemeral range, and free', async () => {
  const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  const ports = new Set<number>();
  for (let i = 0; i < 20; i++) {
    const port = await freePort();
    assert.ok(port >= 10000 && port < low, `port ${port} is in [10000, ${low})`);
    ports.add(port);
  }
  assert.ok(ports.size > 1, 'chosen at random');
  const port = await freePort();
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  server.close();
});
