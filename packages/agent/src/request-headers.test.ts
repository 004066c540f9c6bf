// Headers toward the app and back: the hub's secret and cookies never pass, hop-by-hop headers
// are dropped, the app's own auth replaces whatever the client sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppAuth } from './app-auth.js';
import { AppTarget } from './app-target.js';
import { downstreamHeaders, presentedSecret, upstreamHeaders } from './request-headers.js';

const tokenAuth = new AppAuth({ kind: 'token-header' }, 'TOKEN', (t) => t);
const noAuth = new AppAuth({ kind: 'none' }, 'TOKEN', (t) => t);

test('drops the secret, hub cookies, hop-by-hop and Connection-listed headers', () => {
  const out = upstreamHeaders(
    [
      'Host',
      'hub.example',
      'X-Hpchub-Agent-Secret',
      'sss',
      'Cookie',
      'hpchub-session=1; a=b',
      'Cookie',
      'hpchub-x=2',
      'Connection',
      'keep-alive, X-Private',
      'X-Private',
      'p',
      'Keep-Alive',
      'timeout=5',
      'Authorization',
      'token forged',
      'X-Forwarded-Prefix',
      '/forged',
      'Accept',
      '*/*',
    ],
    { auth: tokenAuth, forwardedPrefix: undefined },
  );
  assert.deepEqual(out, [
    'Host',
    'hub.example',
    'Accept',
    '*/*',
    'Cookie',
    'a=b',
    'Authorization',
    'token TOKEN',
  ]);
});

test('keeps a chunked body chunked, sets X-Forwarded-Prefix and the upgrade pair', () => {
  const out = upstreamHeaders(
    ['Content-Length', '5', 'Transfer-Encoding', 'chunked', 'Upgrade', 'websocket'],
    {
      auth: noAuth,
      forwardedPrefix: '/user/alice/code',
      upgrade: 'websocket',
    },
  );
  assert.deepEqual(out, [
    'Transfer-Encoding',
    'chunked',
    'X-Forwarded-Prefix',
    '/user/alice/code',
    'Connection',
    'Upgrade',
    'Upgrade',
    'websocket',
  ]);
});

test('a header auth replaces the client’s header of that name', () => {
  const auth = new AppAuth({ kind: 'header', name: 'X-Auth', value: 'Bearer {token}' }, 'T', (t) =>
    t.replace('{token}', 'T'),
  );
  assert.deepEqual(upstreamHeaders(['x-auth', 'mine'], { auth, forwardedPrefix: undefined }), [
    'X-Auth',
    'Bearer T',
  ]);
});

test('responses lose hop-by-hop headers except on a 101', () => {
  const raw = [
    'Connection',
    'Upgrade',
    'Upgrade',
    'websocket',
    'Transfer-Encoding',
    'chunked',
    'Set-Cookie',
    'a=1',
  ];
  assert.deepEqual(downstreamHeaders(raw), ['Set-Cookie', 'a=1']);
  assert.deepEqual(downstreamHeaders(raw, true), [
    'Connection',
    'Upgrade',
    'Upgrade',
    'websocket',
    'Set-Cookie',
    'a=1',
  ]);
});

test('every Connection header of a request or an answer names headers to drop', () => {
  const raw = [
    'Connection',
    'keep-alive',
    'X-One',
    '1',
    'Connection',
    'X-One, X-Two',
    'X-Two',
    '2',
    'A',
    'a',
  ];
  assert.deepEqual(upstreamHeaders(raw, { auth: noAuth, forwardedPrefix: undefined }), ['A', 'a']);
  assert.deepEqual(downstreamHeaders(raw), ['A', 'a']);
});

test('the secret is read from the raw headers in any case, and refused when sent twice', () => {
  assert.equal(presentedSecret(['Host', 'h', 'X-Hpchub-Agent-Secret', 's1']), 's1');
  assert.equal(presentedSecret(['x-hpchub-agent-secret', 's1']), 's1');
  assert.equal(presentedSecret(['Host', 'h', 'X-Hpchub-Agent-Secrets', 's1']), undefined);
  assert.equal(presentedSecret(['X-Hpchub-Agent-Secret', 's1', 'x-hpchub-agent-secret', 's1']), undefined);
  assert.equal(presentedSecret([]), undefined);
});

test('prefix handling: kept as is, or stripped with paths outside the prefix refused', () => {
  const keep = new AppTarget({ socketPath: '/s' }, '/user/a/lab/', 'keep');
  assert.equal(keep.appPath('/user/a/lab/api?x=1'), '/user/a/lab/api?x=1');
  assert.equal(keep.appPath(keep.publicPath('/api/status')), '/user/a/lab/api/status');
  const strip = new AppTarget({ host: '127.0.0.1', port: 1 }, '/user/a/code/', 'strip');
  assert.equal(strip.appPath('/user/a/code/static/x.js?v=1'), '/static/x.js?v=1');
  assert.equal(strip.appPath('/user/a/code?folder=/home'), '/?folder=/home');
  assert.equal(strip.appPath('/user/a/codex/'), null);
  assert.equal(strip.appPath(strip.publicPath('/healthz')), '/healthz');
  assert.equal(strip.forwardedPrefix(), '/user/a/code');
});
