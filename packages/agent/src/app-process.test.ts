// The app's process group: SIGTERM first, SIGKILL when the app ignores it, nothing left of the
// group afterwards; a command that does not exist ends as a spawn error, not an exit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AppOutput } from './app-output.js';
import { AppProcess, exitCodeOf } from './app-process.js';

const lines: string[] = [];
const output = () => new AppOutput(['SECRET-VALUE'], (_stream, line) => lines.push(line));

test('an app that ignores SIGTERM is killed after the grace period', async () => {
  const script =
    "process.on('SIGTERM', () => console.log('ignoring SIGTERM')); console.log('up SECRET-VALUE'); setInterval(() => {}, 1000);";
  const out = output();
  const app = new AppProcess(['/usr/bin/node', '-e', script], process.env, out);
  while (!out.lastLines().includes('up [redacted]')) await new Promise((r) => setTimeout(r, 20));
  await app.stop(300);
  const end = await app.ended;
  assert.ok(end.kind === 'exit');
  assert.deepEqual([end.code, end.signal, exitCodeOf(end)], [null, 'SIGKILL', 137]);
  assert.ok(out.lastLines().includes('ignoring SIGTERM'));
  await app.stop(300); // idempotent
});

test('a missing command ends as a spawn error with ENOENT', async () => {
  const app = new AppProcess(['hpchub-no-such-command'], process.env, output());
  const end = await app.ended;
  assert.equal(end.kind, 'spawn-error');
  assert.equal(end.kind === 'spawn-error' && end.error.code, 'ENOENT');
  await app.stop(100);
});

test('output keeps the last lines, splits chunks at newlines and caps long lines', () => {
  const out = new AppOutput([], () => {}, 3);
  out.write('stdout', 'a\nb');
  out.write('stdout', 'c\nd\n');
  out.write('stderr', 'e');
  out.flush();
  assert.deepEqual(out.lastLines(), ['bc', 'd', 'e']);
  out.write('stdout', 'x'.repeat(5000));
  assert.equal(out.lastLines().at(-1)?.length, 2000);
});
