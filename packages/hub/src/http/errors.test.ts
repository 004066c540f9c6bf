// What a request that fails is answered, and what is logged of it: a database that cannot be
// reached is a 503 with one warning line and no stack; any other failure a 500 logged in full.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import type { Site } from '../ui/site.js';
import { installErrorHandlers } from './errors.js';

type LogLine = { level: number; msg: string; err?: { stack?: string }; cause?: string; status?: number };

/** A hub-shaped app whose one route throws `error`, logging to an array. */
async function failingWith(
  error: Error,
): Promise<{ status: number; body: { code?: string }; lines: LogLine[] }> {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)) as LogLine);
      done();
    },
  });
  const app = Fastify({ loggerInstance: pino(stream) as FastifyBaseLogger });
  // JSON clients only here: the site is what the HTML error page would use.
  installErrorHandlers(app, {} as Site);
  app.get('/hub/api/thing', async () => {
    throw error;
  });
  try {
    const res = await app.inject({ url: '/hub/api/thing' });
    return { status: res.statusCode, body: res.json(), lines };
  } finally {
    await app.close();
  }
}

test('a database that cannot be reached: 503, one warning with its cause, no stack', async () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  const { status, body, lines } = await failingWith(refused);
  assert.equal(status, 503);
  assert.equal(body.code, 'unavailable');
  const failures = lines.filter((l) => l.level >= 40);
  assert.equal(failures.length, 1, JSON.stringify(lines));
  assert.equal(failures[0]?.level, 40);
  assert.equal(failures[0]?.cause, 'ECONNREFUSED');
  assert.equal(failures[0]?.err, undefined);
  assert.ok(!JSON.stringify(lines).includes('at '), 'no stack frames in the log');
});

test('a lost PostgreSQL connection (no code, only its message) is named by its message', async () => {
  const { status, lines } = await failingWith(new Error('Connection terminated unexpectedly'));
  assert.equal(status, 503);
  assert.equal(lines.find((l) => l.level === 40)?.cause, 'Connection terminated unexpectedly');
});

test('any other failure: 500, logged as an error with its stack', async () => {
  const { status, body, lines } = await failingWith(new TypeError('x is not a function'));
  assert.equal(status, 500);
  assert.equal(body.code, 'internal');
  const error = lines.find((l) => l.level === 50);
  assert.ok(error?.err?.stack?.includes('TypeError: x is not a function'));
});
