// Many WebSockets held open through the hub's proxy to the upstream's echo, in rounds: open them
// all, echo one message on each, read the hub's memory, close them all, read it again. After ten
// rounds the hub should be back near where it started (no per-connection leak).
import WebSocket from 'ws';
import type { HubProcess, HubStats } from './processes.js';

const MiB = 1024 * 1024;

function open(url: string, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, perMessageDeflate: false });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused with ${res.statusCode}`)),
    );
    ws.once('error', reject);
  });
}

function echo(ws: WebSocket, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once('message', (data) => (String(data) === text ? resolve() : reject(new Error('wrong echo'))));
    ws.send(text);
  });
}

/** Opens `count` sockets, `batch` at a time (a burst of thousands would overflow the listen backlog). */
async function openMany(
  url: string,
  headers: Record<string, string>,
  count: number,
  batch = 100,
): Promise<WebSocket[]> {
  const sockets: WebSocket[] = [];
  for (let i = 0; i < count; i += batch) {
    const n = Math.min(batch, count - i);
    sockets.push(...(await Promise.all(Array.from({ length: n }, () => open(url, headers)))));
  }
  return sockets;
}

export interface WebSocketRound {
  round: number;
  during: { rss_mb: number; heap_mb: number; fds: number; websockets: number };
  after: { rss_mb: number; heap_mb: number; fds: number; websockets: number };
}

const summary = (s: HubStats) => ({
  rss_mb: Math.round((s.rss / MiB) * 10) / 10,
  heap_mb: Math.round((s.heapUsed / MiB) * 10) / 10,
  fds: s.fds,
  websockets: s.websockets,
});

export async function websocketRounds(hub: HubProcess, cookie: string, count: number, rounds: number) {
  const url = `${hub.url.replace(/^http/, 'ws')}/user/bench/api/kernels/bench/channels`;
  const headers = { cookie, origin: hub.url };
  const before = summary(await hub.stats());
  const results: WebSocketRound[] = [];
  for (let round = 1; round <= rounds; round++) {
    const sockets = await openMany(url, headers, count);
    await Promise.all(sockets.map((ws, i) => echo(ws, `round ${round} socket ${i}`)));
    const during = summary(await hub.stats());
    await Promise.all(
      sockets.map(
        (ws) =>
          new Promise<void>((resolve) => {
            ws.once('close', () => resolve());
            ws.close();
          }),
      ),
    );
    let after = await hub.stats();
    for (let i = 0; i < 100 && after.websockets > 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
      after = await hub.stats();
    }
    results.push({ round, during, after: summary(after) });
    console.log(
      `  round ${round}: ${count} open: rss ${during.rss_mb} MB, heap ${during.heap_mb} MB, fds ${during.fds}; ` +
        `closed: rss ${summary(after).rss_mb} MB, heap ${summary(after).heap_mb} MB, fds ${after.fds}`,
    );
  }
  const last = results.at(-1)?.after ?? before;
  // RSS keeps the allocator's high-water mark of the first round; a leak shows as growth after it.
  const first = results[0]?.after ?? before;
  return {
    rss_growth_after_first_round_mb: Math.round((last.rss_mb - first.rss_mb) * 10) / 10,
    connections: count,
    rounds: results,
    before,
    after: last,
    rss_growth_mb: Math.round((last.rss_mb - before.rss_mb) * 10) / 10,
    heap_growth_mb: Math.round((last.heap_mb - before.heap_mb) * 10) / 10,
    fd_growth: last.fds - before.fds,
  };
}
