// The picker's file-system rules, without HTTP: only directories, hidden ones on request, no way
// above the root by `..` or by symbolic links.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { DirectoryTree, PickerError, pickerRootPath } from './directories.js';

let base: string;
let tree: DirectoryTree;
before(async () => {
  base = realpathSync(mkdtempSync(path.join(os.tmpdir(), 'hpchub-dirs-')));
  const root = path.join(base, 'root');
  mkdirSync(path.join(root, 'a', 'b'), { recursive: true });
  mkdirSync(path.join(root, '.dot'));
  mkdirSync(path.join(base, 'outside'));
  writeFileSync(path.join(root, 'file'), '');
  symlinkSync(path.join(root, 'a', 'b'), path.join(root, 'to-b'));
  symlinkSync(path.join(base, 'outside'), path.join(root, 'a', 'escape'));
  symlinkSync('../../outside', path.join(root, 'a', 'relative-escape'));
  symlinkSync(path.join(root, 'nowhere'), path.join(root, 'dangling'));
  tree = await DirectoryTree.open(root);
});
after(() => rmSync(base, { recursive: true, force: true }));

test('the root is relative to HOME unless absolute', () => {
  assert.equal(pickerRootPath('', '/home/a'), '/home/a');
  assert.equal(pickerRootPath('.', '/home/a'), '/home/a');
  assert.equal(pickerRootPath('~', '/home/a'), '/home/a');
  assert.equal(pickerRootPath('~/runs', '/home/a'), '/home/a/runs');
  assert.equal(pickerRootPath('runs/x', '/home/a'), '/home/a/runs/x');
  assert.equal(pickerRootPath('/scratch/a', '/home/a'), '/scratch/a');
});

test('lists directories only, links inside the root included, hidden ones on request', async () => {
  const names = async (p: string, hidden = false) => (await tree.list(p, hidden)).entries.map((e) => e.name);
  assert.deepEqual(await names(''), ['a', 'to-b']);
  assert.deepEqual(await names('', true), ['.dot', 'a', 'to-b']);
  assert.deepEqual(await names('a'), ['b']);
  assert.deepEqual(await tree.list('a/b', false), {
    path: 'a/b',
    parent: 'a',
    entries: [],
    truncated: false,
  });
  assert.equal((await tree.list('', false)).parent, null);
});

test('refuses .., absolute paths and links that leave the root', async () => {
  const refused = async (p: string, status: number) => {
    await assert.rejects(
      tree.resolve(p),
      (err: unknown) => err instanceof PickerError && err.status === status,
      p,
    );
  };
  await refused('..', 400);
  await refused('a/../..', 400);
  await refused('a/..', 400);
  await refused('/etc', 400);
  await refused('a/escape', 403);
  await refused('a/relative-escape', 403);
  await refused('dangling', 404);
  await refused('file', 400);
  assert.deepEqual(await tree.resolve('to-b'), { absolute: path.join(tree.root, 'a', 'b'), path: 'a/b' });
  assert.deepEqual(await tree.resolve('./a//b/'), { absolute: path.join(tree.root, 'a', 'b'), path: 'a/b' });
});
