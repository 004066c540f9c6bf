// A tiny real app for the agent's tests: a Node HTTP + WebSocket server (no dependencies, so
// /usr/bin/node runs it as any user from a temp directory), started by the agent through the
// spec's command. It answers every request with what it received (method, url, headers, argv),
// echoes WebSocket text frames, and can misbehave on request: exit at once, never be ready.
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** Flags: --socket P | --port N, --token T (require `Authorization: token T`), --ready PATH,
 * --exit-at-once CODE, --never-ready, --pidfile F (its pid and its child's), --child (start a
 * grandchild in the same process group), --dir D (echoed), --say TEXT (printed at start),
 * --form-password P --user U (a sign-in form at /auth-do-sign-in instead of the token). */
export const TEST_APP_JS = String.raw`'use strict';
const http = require('node:http');
const crypto = require('node:crypto');
const fs = require('node:fs');
const { spawn } = require('node:child_process');

const args = {};
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (!a.startsWith('--')) continue;
  const eq = a.indexOf('=');
  if (eq > 0) args[a.slice(2, eq)] = a.slice(eq + 1);
  else if (i + 1 < process.argv.length && !process.argv[i + 1].startsWith('--')) args[a.slice(2)] = process.argv[++i];
  else args[a.slice(2)] = true;
}

if (args.say) console.log(String(args.say));
console.error('test app starting, pid ' + process.pid);
if (args['exit-at-once'] !== undefined) {
  for (let i = 1; i <= 25; i++) console.error('failure line ' + i);
  process.exit(Number(args['exit-at-once']));
}

const pids = [process.pid];
if (args.child) {
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  pids.push(child.pid);
}
if (args.pidfile) fs.writeFileSync(args.pidfile, pids.join('\n'));

function authorized(req) {
  if (args['form-password']) return /(^|; )user-id=signed-in(;|$)/.test(req.headers.cookie || '');
  return !args.token || req.headers.authorization === 'token ' + args.token;
}

// A sign-in form like RStudio's: POST username and password, get a session cookie.
function signIn(req, res) {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const form = new URLSearchParams(Buffer.concat(chunks).toString());
    const ok = form.get('password') === args['form-password'] && form.get('username') === args.user;
    res.writeHead(ok ? 302 : 401, ok ? { location: '/', 'set-cookie': 'user-id=signed-in; Path=/; HttpOnly' } : {});
    res.end();
  });
}

/** Each connection's number, in the order they came: which requests shared one. */
const connectionIds = new WeakMap();
let connections = 0;

const server = http.createServer((req, res) => {
  if (args['form-password'] && req.method === 'POST' && req.url === '/auth-do-sign-in') return signIn(req, res);
  if (!authorized(req) && !(args['form-password'] && req.url === args.ready)) {
    res.writeHead(403, { 'content-type': 'text/plain' });
    res.end('bad token');
    return;
  }
  if (args.ready && req.url === args.ready) {
    res.writeHead(args['never-ready'] ? 503 : 200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ready: !args['never-ready'] }));
    return;
  }
  // Stops accepting connections (the process lives on): the agent's next request is refused.
  if (req.url.endsWith('/stop-listening')) {
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
    res.end('closing');
    server.close();
    setInterval(() => {}, 60_000); // nothing else would keep the process alive
    return;
  }
  if (req.url.endsWith('/set-cookie')) {
    res.writeHead(200, { 'set-cookie': 'app-cookie=1; Path=/', 'content-type': 'text/plain' });
    res.end('ok');
    return;
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.stringify({
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
      argv: process.argv.slice(2),
      connection: connectionIds.get(req.socket),
      dir: args.dir === undefined ? null : args.dir,
    });
    res.writeHead(200, { 'content-type': 'application/json', 'x-app': 'test' });
    res.end(body);
  });
});

server.on('connection', (socket) => connectionIds.set(socket, ++connections));

// WebSocket echo, enough for the tests: unfragmented text frames up to 64 KiB.
server.on('upgrade', (req, socket) => {
  if (!authorized(req)) {
    socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
    return;
  }
  const accept = crypto
    .createHash('sha1')
    .update(req.headers['sec-websocket-key'] + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11')
    .digest('base64');
  socket.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ' + accept + '\r\n\r\n',
  );
  let buf = Buffer.alloc(0);
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 2) {
      const opcode = buf[0] & 0x0f;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
      const masked = (buf[1] & 0x80) !== 0;
      const need = off + (masked ? 4 : 0) + len;
      if (buf.length < need) return;
      const mask = masked ? buf.subarray(off, off + 4) : null;
      const payload = Buffer.from(buf.subarray(off + (masked ? 4 : 0), need));
      if (mask) for (let i = 0; i < payload.length; i++) payload[i] ^= mask[i % 4];
      buf = buf.subarray(need);
      if (opcode === 8) { socket.end(Buffer.from([0x88, 0])); return; }
      if (opcode !== 1) continue;
      const text = Buffer.from('echo:' + payload.toString());
      const head = text.length < 126 ? Buffer.from([0x81, text.length]) : Buffer.from([0x81, 126, text.length >> 8, text.length & 255]);
      socket.write(Buffer.concat([head, text]));
    }
  });
  socket.on('error', () => socket.destroy());
});

if (args.socket) {
  server.listen(args.socket, () => {
    fs.chmodSync(args.socket, 0o600);
    console.error('listening on ' + args.socket + ' with token ' + (args.token || 'none'));
  });
} else {
  server.listen(Number(args.port), '127.0.0.1', () => console.error('listening on port ' + args.port));
}
process.on('SIGTERM', () => {
  console.error('test app got SIGTERM');
  server.close();
  process.exit(0);
});
`;

/** Writes the app to `dir`/app.js (world-readable) and returns its path. */
export function writeTestApp(dir: string): string {
  const file = path.join(dir, 'app.js');
  writeFileSync(file, TEST_APP_JS, { mode: 0o644 });
  return file;
}
