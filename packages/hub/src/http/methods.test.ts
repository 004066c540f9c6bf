// A path that exists, asked with a method it does not have, answers 405 with Allow (found by
// Schemathesis: such requests got 404, or 400 for a body-less QUERY); an unknown path stays 404.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';
import { TestHub } from '../test-support/hub.js';

describe('methods a path does not have', () => {
  let hub: TestHub;
  before(async () => {
    hub = await TestHub.start();
  });
  after(() => hub.stop());

  /** A raw request (fetch refuses TRACE and friends). */
  function request(method: string, path: string): Promise<{ status: number; allow?: string; body: string }> {
    const url = new URL(hub.url);
    return new Promise((resolve, reject) => {
      http
        .request({ host: url.hostname, port: url.port, path, method }, (res) => {
          let body = '';
          res.on('data', (c: Buffer) => {
            body += String(c);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, body }));
        })
        .on('error', reject)
        .end();
    });
  }

  test('405 with the methods the path has', async () => {
    for (const [method, path, allow] of [
      ['TRACE', '/hub/api/users', 'GET, HEAD, POST'],
      ['DELETE', '/hub/api', 'GET, HEAD'],
      ['QUERY', '/hub/api/news/1', 'DELETE, GET, HEAD, PATCH'],
      ['PATCH', '/hub/api/news/all', 'GET, HEAD'],
      ['OPTIONS', '/hub/api/users/x/tokens/3', 'DELETE, GET, HEAD'],
      ['PUT', '/hub/login', 'GET, HEAD, POST'],
    ] as const) {
      const res = await request(method, path);
      assert.equal(res.status, 405, `${method} ${path}`);
      assert.equal(res.allow, allow, `${method} ${path}`);
      assert.equal(JSON.parse(res.body).code, 'method_not_allowed');
    }
  });

  test('a path that does not exist is still 404, whatever the method', async () => {
    for (const method of ['GET', 'TRACE', 'DELETE']) {
      const res = await request(method, '/hub/api/no-such-thing');
      assert.equal(res.status, 404, method);
      assert.equal(res.allow, undefined);
    }
  });
});
