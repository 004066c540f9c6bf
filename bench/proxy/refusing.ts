// Requests to a server whose upstream refuses connections, through the hub: every one must get a
// 503 and cost nothing lasting — no file descriptor, no memory. Stats are read between batches,
// with the client's own connections closed.
import http from 'node:http';
import type { HubProcess } from './processes.js';

const MiB = 1024 * 1024;

export async function refusingRequests(hub: HubProcess, cookie: string, total: number, concurrency = 50) {
  const target = new URL(`${hub.url}/user/bench/refusing/api/status`);
  let agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
  const statuses: Record<string, number> = {};
  const get = () =>
    new Promise<void>((resolve) => {
      const req = http.get(
        { agent, host: target.hostname, port: target.port, path: target.pathname, headers: { cookie } },
        (res) => {
          statuses[String(res.statusCode)] = (statuses[String(res.statusCode)] ?? 0) + 1;
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', () => {
        statuses.error = (statuses.error ?? 0) + 1;
        resolve();
      });
    });
  const reading = async (requests: number) => {
    const s = await hub.stats();
    return {
      requests,
      rss_mb: Math.round((s.rss / MiB) * 10) / 10,
      heap_mb: Math.round((s.heapUsed / MiB) * 10) / 10,
      fds: s.fds,
    };
  };
  const readings = [await reading(0)];
  const batch = total / 4;
  let done = 0;
  for (let b = 0; b < 4; b++) {
    let next = 0;
    const worker = async () => {
      while (next < batch) {
        next++;
        await get();
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    done += batch;
    // Our own keep-alive connections to the hub are not what is measured: close them first.
    agent.destroy();
    agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
    await new Promise((r) => setTimeout(r, 300));
    readings.push(await reading(done));
  }
  agent.destroy();
  const first = readings[0] as (typeof readings)[number];
  const last = readings.at(-1) as (typeof readings)[number];
  return {
    requests: total,
    statuses,
    readings,
    fd_growth: last.fds - first.fds,
    rss_growth_mb: Math.round((last.rss_mb - first.rss_mb) * 10) / 10,
    heap_growth_mb: Math.round((last.heap_mb - first.heap_mb) * 10) / 10,
  };
}
