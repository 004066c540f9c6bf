// The proxy's pure parts: reading `/user/…` paths, filtering headers, the route table's rule for
// named servers, checking targets, and sealing secrets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SecretBox } from '../spawn/secret-box.js';
import { readRequestHead, responseHeaders, withoutHubCookies } from './headers.js';
import { MemoryRouteTable } from './route-table.js';
import { normalizeFingerprint, parseTarget } from './target.js';
import type { Route } from './types.js';
import { isUserPath, parseUserPath, withTrailingSlash } from './user-path.js';

describe('user paths', () => {
  it('reads the user and the segment that may name a server', () => {
    assert.deepEqual(parseUserPath('/user/ada/lab/tree?x=/y'), {
      user: 'ada',
      segment: 'lab',
      bareUser: false,
      bareSegment: false,
      pathEnd: 18,
    });
    assert.equal((parseUserPath('/user/ada/') as { segment: unknown }).segment, null);
    assert.equal((parseUserPath('/user/ada?next=/a/b') as { bareUser: boolean }).bareUser, true);
    assert.equal((parseUserPath('/user/ada/lab?q') as { bareSegment: boolean }).bareSegment, true);
    assert.equal((parseUserPath('/user/j%C3%BCrg/x%20y/') as { user: string }).user, 'jürg');
    assert.equal((parseUserPath('/user/j%C3%BCrg/x%20y/') as { segment: string }).segment, 'x y');
    assert.equal(parseUserPath('/user/%E0%A4%A/'), 'malformed');
    assert.equal(withTrailingSlash('/user/ada/lab?q=1', 13), '/user/ada/lab/?q=1');
    assert.equal(isUserPath('/user/'), false);
    assert.equal(isUserPath('/users/x'), false);
  });
});

describe('headers', () => {
  it('keeps the server’s own cookies and drops the hub’s', () => {
    assert.equal(withoutHubCookies('a=1; hpchub-session=s.sig; b=2'), 'a=1; b=2');
    assert.equal(withoutHubCookies('hpchub-session=s; hpchub-login-xsrf=x'), undefined);
    assert.equal(withoutHubCookies('a=1'), 'a=1');
    // Once a hub cookie is cut, the rest is written back as `name=value; name=value`.
    assert.equal(withoutHubCookies(' a=1 ;;hpchub-session=s;  b=2; '), 'a=1; b=2');
    assert.equal(withoutHubCookies('hpchub-session=s'), undefined);
    assert.equal(withoutHubCookies('x-hpchub-y=1; hpchub-a=2'), 'x-hpchub-y=1');
  });

  it('reads what authorization needs and forwards neither credentials nor hop-by-hop headers', () => {
    const head = readRequestHead([
      'Host',
      'hub.example',
      'Cookie',
      'hpchub-session=abc; a=1',
      'Authorization',
      'token t',
      'Connection',
      'keep-alive, X-Hop',
      'X-Hop',
      '1',
      'Keep-Alive',
      'timeout=5',
      'TE',
      'trailers',
      'Transfer-Encoding',
      'chunked',
      'Content-Length',
      '12',
      'X-Forwarded-For',
      '1.2.3.4',
      'X-Hpchub-Agent-Secret',
      'forged',
      'Expect',
      '100-continue',
      'Accept',
      'text/html',
    ]);
    assert.equal(head.cookie, 'hpchub-session=abc; a=1');
    assert.equal(head.authorization, 'token t');
    assert.equal(head.accept, 'text/html');
    assert.equal(head.hasBody, true);
    assert.deepEqual(head.forward, [
      'Host',
      'hub.example',
      'Cookie',
      'a=1',
      'Transfer-Encoding',
      'chunked',
      'Accept',
      'text/html',
    ]);
  });

  it('passes response headers on without hop-by-hop ones or hub cookies', () => {
    const headers = responseHeaders([
      'Content-Type',
      'text/plain',
      'Connection',
      'close',
      'Transfer-Encoding',
      'chunked',
      'Set-Cookie',
      'hpchub-session=x',
      'Set-Cookie',
      'app=1',
    ]);
    assert.deepEqual(headers, ['Content-Type', 'text/plain', 'Set-Cookie', 'app=1']);
  });

  it('drops every hop-by-hop header and those the Connection header names, in any case', () => {
    const raw = [
      'CONTENT-LENGTH',
      '2',
      'Connection',
      ' Keep-Alive ',
      'Keep-Alive',
      'timeout=5',
      'TE',
      'trailers',
      'Trailer',
      'X-T',
      'Upgrade',
      'h2c',
      'Proxy-Authenticate',
      'Basic',
      'Proxy-Connection',
      'keep-alive',
      'SET-COOKIE',
      ' hpchub-session=x',
      'X-Private',
      'p',
      'X-Kept',
      'k',
    ];
    const plain = responseHeaders(raw);
    assert.deepEqual(plain, ['CONTENT-LENGTH', '2', 'X-Private', 'p', 'X-Kept', 'k']);
    const listed = responseHeaders([...raw.slice(0, 2), 'connection', 'close, X-PRIVATE', ...raw.slice(4)]);
    assert.deepEqual(listed, ['CONTENT-LENGTH', '2', 'X-Kept', 'k']);
    // Each of several Connection headers counts, not only the last.
    const twice = ['Connection', 'X-Private', ...raw.slice(4), 'Connection', 'keep-alive'];
    assert.deepEqual(responseHeaders(twice), ['X-Kept', 'k']);
    assert.deepEqual(
      readRequestHead(['Host', 'h', 'Connection', 'X-Private', 'X-Private', 'p', 'Connection', 'close'])
        .forward,
      ['Host', 'h'],
    );
    // A 101 answer keeps its own Connection and Upgrade.
    assert.deepEqual(responseHeaders(['Connection', 'Upgrade', 'Upgrade', 'websocket'], true), [
      'Connection',
      'Upgrade',
      'Upgrade',
      'websocket',
    ]);
  });
});

describe('the route table', () => {
  const route = (owner: string, name: string): Route => ({
    id: 1,
    ownerId: 1,
    owner,
    name,
    target: { url: 'http://127.0.0.1:1' },
    lastActivity: 0,
  });

  it('gives a segment to a named server the user has, running or not, and otherwise to the default server', () => {
    const table = new MemoryRouteTable();
    const def = route('ada', '');
    const lab = route('ada', 'lab');
    table.set(def);
    table.set(lab);
    table.declare('ada', 'stopped');
    assert.equal(table.resolve('ada', null), def);
    assert.equal(table.resolve('ada', 'lab'), lab);
    assert.equal(table.resolve('ada', 'tree'), def);
    assert.equal(table.resolve('ada', 'stopped'), undefined);
    assert.equal(table.resolve('bob', null), undefined);
    assert.equal(table.size, 2);
    assert.equal(table.delete('ada', 'lab'), lab);
    assert.equal(
      table.resolve('ada', 'lab'),
      undefined,
      'lab still exists, so its paths are not the default server’s',
    );
    table.forget('ada', 'lab');
    assert.equal(table.resolve('ada', 'lab'), def);
    assert.equal(table.size, 1);
  });
});

describe('route targets', () => {
  const fp = `${'AB:'.repeat(31)}AB`;

  it('accepts https with a pinned fingerprint and http to loopback only', () => {
    assert.equal(parseTarget({ url: 'https://node7:4443', fingerprint: fp }).fingerprint, 'ab'.repeat(32));
    assert.equal(parseTarget({ url: 'http://127.0.0.1:8888' }).tls, false);
    assert.equal(parseTarget({ url: 'http://[::1]:8888' }).host, '::1');
    assert.throws(() => parseTarget({ url: 'http://node7:8888' }), /loopback only/);
    assert.throws(() => parseTarget({ url: 'https://node7:4443' }), /fingerprint/);
    assert.throws(
      () => parseTarget({ url: 'https://node7:4443/x', fingerprint: fp }),
      /only scheme, host and port/,
    );
    assert.throws(() => parseTarget({ url: 'http://127.0.0.1:1', secret: 'a\nb' }), /single line/);
    assert.equal(normalizeFingerprint('abc'), null);
  });
});

describe('sealed secrets', () => {
  it('open with the same key and server only', () => {
    const box = new SecretBox('cookie-secret-one-0123456789abcdef');
    const sealed = box.seal('s3cret', 7);
    assert.ok(!sealed.includes('s3cret'));
    assert.equal(box.open(sealed, 7), 's3cret');
    assert.throws(() => box.open(sealed, 8));
    assert.throws(() => new SecretBox('another-cookie-secret-0123456789ab').open(sealed, 7));
    assert.notEqual(box.seal('s3cret', 7), sealed, 'a fresh nonce each time');
  });
});
