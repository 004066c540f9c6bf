// The header rules both hops apply: which cookies a hop keeps, which response headers it passes on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keptCookies, passedResponseHeaders } from './http.js';

describe('cookies a hop passes on', () => {
  it('drops the hub’s cookies and the names it is told to, and writes the rest back as `a=1; b=2`', () => {
    assert.equal(keptCookies('a=1; hpchub-session=s; b=2'), 'a=1; b=2');
    assert.equal(keptCookies(' a=1 ;;hpchub-session=s;  b=2; '), 'a=1; b=2');
    assert.equal(keptCookies('hpchub-session=s; hpchub-login-xsrf=x'), undefined);
    assert.equal(keptCookies(''), undefined);
    const own = new Set(['rs-csrf-token', 'flag']);
    const dropped = (name: string) => own.has(name);
    assert.equal(
      keptCookies('rs-csrf-token=1; user=ada; flag; x=rs-csrf-token', dropped),
      'user=ada; x=rs-csrf-token',
    );
    assert.equal(keptCookies('flag; hpchub-x=1', dropped), undefined);
  });
});

describe('response headers a hop passes on', () => {
  const raw = [
    'Content-Length',
    '2',
    'Connection',
    'keep-alive, X-Private',
    'Keep-Alive',
    'timeout=5',
    'X-Private',
    'p',
    'Set-Cookie',
    'hpchub-session=forged',
    'set-cookie',
    'app=1',
    'Upgrade',
    'websocket',
  ];

  it('drops hop-by-hop headers and those a Connection header lists; hub cookies only when asked', () => {
    assert.deepEqual(passedResponseHeaders(raw), [
      'Content-Length',
      '2',
      'Set-Cookie',
      'hpchub-session=forged',
      'set-cookie',
      'app=1',
    ]);
    assert.deepEqual(passedResponseHeaders(raw, false, true), ['Content-Length', '2', 'set-cookie', 'app=1']);
  });

  it('keeps Connection and Upgrade on the answer to an upgrade', () => {
    assert.deepEqual(passedResponseHeaders(['CONNECTION', 'Upgrade', 'UPGRADE', 'websocket'], true), [
      'CONNECTION',
      'Upgrade',
      'UPGRADE',
      'websocket',
    ]);
  });
});
