// The trivial server every configuration of the proxy benchmark forwards to: 1 KiB for any GET,
// and a WebSocket echo. Runs in a process of its own; prints its port as one JSON line.
import http from 'node:http';
import { WebSocketServer } from 'ws';

const BODY = Buffer.alloc(1024, 'x');

const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': BODY.length });
  res.end(BODY);
});
server.keepAliveTimeout = 60_000;
const wss = new WebSocketServer({ server, perMessageDeflate: false });
wss.on('connection', (ws) => {
  ws.on('message', (data, binary) => ws.send(data, { binary }));
});
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address() as { port: number };
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});
process.on('SIGTERM', () => process.exit(0));
