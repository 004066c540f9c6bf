// Reading servers' responses, byte by byte as well as whole: every framing RFC 9112 allows, and
// refusal of what would make the end of a response a guess.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ResponseHead, ResponseParser } from './response-parser.js';

function parse(text: string, options: { noBody?: boolean; byteByByte?: boolean; close?: boolean } = {}) {
  const heads: ResponseHead[] = [];
  const body: Buffer[] = [];
  let ended = 0;
  const parser = new ResponseParser(
    { onHead: (h) => heads.push(h), onBody: (b) => body.push(Buffer.from(b)), onEnd: () => ended++ },
    options.noBody ?? false,
    16 * 1024,
  );
  const bytes = Buffer.from(text, 'latin1');
  let rest: Buffer | undefined;
  if (options.byteByByte)
    for (let i = 0; i < bytes.length; i++) rest = parser.feed(bytes.subarray(i, i + 1)) ?? rest;
  else rest = parser.feed(bytes);
  if (options.close) parser.close();
  return { heads, body: Buffer.concat(body).toString('latin1'), ended, rest: rest?.toString('latin1') };
}

describe('reading responses', () => {
  it('reads a body of declared length, whole or in single bytes, and what follows it', () => {
    const text = 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A:  b \r\n\r\nhelloEXTRA';
    for (const byteByByte of [false, true]) {
      const r = parse(text, { byteByByte });
      assert.equal(r.body, 'hello');
      assert.equal(r.ended, 1);
      assert.deepEqual(r.heads[0]?.rawHeaders, ['Content-Length', '5', 'X-A', 'b']);
      assert.equal(r.heads[0]?.keepAlive, true);
      assert.equal(r.heads[0]?.hasLength, true);
    }
    assert.equal(parse(text).rest, 'EXTRA');
  });

  it('reads chunked bodies with extensions and trailers', () => {
    const text =
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n1A\r\n' +
      'abcdefghijklmnopqrstuvwxyz\r\n0\r\nX-Trailer: t\r\n\r\n';
    for (const byteByByte of [false, true]) {
      const r = parse(text, { byteByByte });
      assert.equal(r.body, 'helloabcdefghijklmnopqrstuvwxyz');
      assert.equal(r.ended, 1);
      assert.equal(r.heads[0]?.hasLength, false);
    }
  });

  it('reads to the close when there is no length, and does not keep such a connection', () => {
    const r = parse('HTTP/1.1 200 OK\r\n\r\nstream of bytes', { close: true });
    assert.equal(r.body, 'stream of bytes');
    assert.equal(r.ended, 1);
    assert.equal(r.heads[0]?.keepAlive, false);
  });

  it('expects no body after HEAD, 204 and 304, and skips interim responses', () => {
    assert.equal(parse('HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n', { noBody: true }).ended, 1);
    assert.equal(parse('HTTP/1.1 204 No Content\r\n\r\n').ended, 1);
    assert.equal(parse('HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n').ended, 1);
    const early = parse(
      'HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok',
    );
    assert.equal(early.heads.length, 1);
    assert.equal(early.heads[0]?.status, 200);
    assert.equal(early.body, 'ok');
  });

  it('honours Connection: close and HTTP/1.0 defaults', () => {
    assert.equal(
      parse('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n').heads[0]?.keepAlive,
      false,
    );
    assert.equal(parse('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n').heads[0]?.keepAlive, false);
    assert.equal(
      parse('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n').heads[0]?.keepAlive,
      true,
    );
  });

  it('reads status lines with and without a reason, and refuses malformed ones', () => {
    assert.equal(parse('HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n').heads[0]?.statusMessage, '');
    assert.equal(parse('HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n').heads[0]?.statusMessage, '');
    const teapot = parse("HTTP/1.0 418 I'm a teapot\r\nContent-Length: 0\r\n\r\n").heads[0];
    assert.equal(teapot?.status, 418);
    assert.equal(teapot?.statusMessage, "I'm a teapot");
    const bad = [
      'HTTP/1.2 200 OK',
      'HTTP/1.1 099 Low',
      'HTTP/1.1 20 OK',
      'HTTP/1.1 2000 OK',
      'HTTP/1.1 200OK',
      'HTTP/1.1  200 OK',
      'http/1.1 200 OK',
      'HTTP/1.1 200 O\nK',
      'HTTP/1.1 200 O\rK',
    ];
    for (const line of bad)
      assert.throws(() => parse(`${line}\r\nContent-Length: 0\r\n\r\n`), /status line/, JSON.stringify(line));
  });

  it('finds framing headers in any case, and refuses header lines without a name', () => {
    const r = parse('HTTP/1.1 200 OK\r\nCONTENT-LENGTH: 2\r\nConnection: Close\r\n\r\nok');
    assert.equal(r.body, 'ok');
    assert.equal(r.heads[0]?.keepAlive, false);
    assert.deepEqual(r.heads[0]?.rawHeaders, ['CONTENT-LENGTH', '2', 'Connection', 'Close']);
    for (const line of [': x', 'no colon', 'X-A 1'])
      assert.throws(
        () => parse(`HTTP/1.1 200 OK\r\n${line}\r\nContent-Length: 0\r\n\r\n`),
        /header line/,
        JSON.stringify(line),
      );
  });

  it('trims header values exactly as String.prototype.trim does', () => {
    const values = [
      'v',
      ' v',
      '  v ',
      '\tv\t',
      ' v\xa0',
      ' \xa0v',
      ' ',
      '',
      ' a b ',
      ' \x01v',
      ' v\x7f',
      ' é',
    ];
    const r = parse(
      `HTTP/1.1 200 OK\r\n${values.map((v, i) => `X-${i}:${v}\r\n`).join('')}Content-Length: 0\r\n\r\n`,
    );
    const raw = r.heads[0]?.rawHeaders ?? [];
    assert.deepEqual(
      values.map((_, i) => raw[2 * i + 1]),
      values.map((v) => v.trim()),
    );
  });

  it('reads Content-Length of 1 to 15 digits, and nothing else', () => {
    assert.equal(parse('HTTP/1.1 200 OK\r\nContent-Length:  007 \r\n\r\n1234567').body, '1234567');
    assert.equal(parse('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n').ended, 1);
    for (const value of ['', '1 2', '+1', '0x10', '1e3', '1.0', '1234567890123456'])
      assert.throws(
        () => parse(`HTTP/1.1 200 OK\r\nContent-Length: ${value}\r\n\r\n`),
        /Content-Length/,
        JSON.stringify(value),
      );
  });

  it('reads one response after another once reset, as a pooled connection does', () => {
    const heads: ResponseHead[] = [];
    const bodies: string[] = [];
    let ended = 0;
    const parser = new ResponseParser(
      {
        onHead: (h) => heads.push(h),
        onBody: (b) => bodies.push(b.toString('latin1')),
        onEnd: () => ended++,
      },
      false,
      16 * 1024,
    );
    assert.equal(parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none')), undefined);
    assert.equal(parser.done, true);
    parser.reset(true); // a HEAD request: the length is not followed by a body
    assert.equal(parser.done, false);
    assert.equal(parser.feed(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n')), undefined);
    parser.reset(false);
    // Bytes after the end of a response are handed back, not read as the next one.
    const rest = parser.feed(Buffer.from('HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\ntwoHTTP/1.1'));
    assert.equal(rest?.toString('latin1'), 'HTTP/1.1');
    assert.deepEqual(
      heads.map((h) => h.status),
      [200, 200, 201],
    );
    assert.deepEqual(bodies, ['one', 'two']);
    assert.equal(ended, 3);
  });

  it('refuses what would make the end of a response a guess', () => {
    const bad = [
      'HTTP/2 200 OK\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n',
      'HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n',
      'HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n',
    ];
    for (const text of bad) assert.throws(() => parse(text), /malformed response/, JSON.stringify(text));
    assert.throws(
      () => parse('HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort', { close: true }),
      /closed before/,
    );
    assert.throws(() => parse(`HTTP/1.1 200 OK\r\nX-Big: ${'x'.repeat(20_000)}`), /too large/);
  });
});
