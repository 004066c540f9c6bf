// Log lines are prettified for a person at a terminal and JSON otherwise (or as `log.format`
// says), with the same redaction either way.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { loadConfig } from '../config/index.js';
import { createLogger } from '../hub.js';

/** A stream that records what is written, claiming to be a terminal or not. */
function capture(tty: boolean): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      text += String(chunk);
      done();
    },
  });
  if (tty) Object.assign(stream, { isTTY: true });
  return { stream, text: () => text };
}

function logTo(format: string | undefined, tty: boolean): string {
  const flags: Record<string, string> = format ? { 'log-format': format } : {};
  const { config } = loadConfig({ env: {}, flags });
  const out = capture(tty);
  const log = createLogger(config, out.stream);
  log.info({ user: 'alice', password: 'hunter2-secret', agent: { token: 'hph_secret' } }, 'signed in');
  return out.text();
}

const isJsonLine = (text: string) => {
  const line = text.trim().split('\n')[0] ?? '';
  try {
    return typeof JSON.parse(line) === 'object';
  } catch {
    return false;
  }
};

test('auto: prettified and coloured on a terminal, JSON lines on a pipe', () => {
  const terminal = logTo(undefined, true);
  assert.equal(isJsonLine(terminal), false);
  assert.match(terminal, /INFO/);
  assert.match(terminal, /signed in/);
  assert.ok(terminal.includes('\u001b['), 'coloured');
  const pipe = logTo(undefined, false);
  assert.equal(isJsonLine(pipe), true);
  assert.equal(JSON.parse(pipe).msg, 'signed in');
});

test('log.format json or pretty wins over what the output is', () => {
  assert.equal(isJsonLine(logTo('json', true)), true);
  const pretty = logTo('pretty', false);
  assert.equal(isJsonLine(pretty), false);
  assert.match(pretty, /signed in/);
  assert.ok(!pretty.includes('\u001b['), 'no colours when the output is not a terminal');
});

test('secrets are redacted in both formats', () => {
  for (const [format, tty] of [
    ['json', false],
    ['pretty', false],
    ['pretty', true],
    [undefined, true],
  ] as const) {
    const text = logTo(format, tty);
    assert.doesNotMatch(text, /hunter2-secret|hph_secret/, `${format} ${tty}`);
    assert.match(text, /\[redacted\]/);
  }
});

test('an unknown log.format is a configuration error naming the choices', () => {
  assert.throws(() => logTo('xml', false), /log\.format.*auto.*json.*pretty|json.*pretty/s);
});
