// Copying and merging a notebook collection (nbgitpuller's rules, per file), and what it refuses
// or skips: links in the collection, oversized files, too many files, a target that is a link,
// a link planted inside the user's copy.
import assert from 'node:assert/strict';
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, beforeEach, describe, test } from 'node:test';
import type { CollectionSyncRequest } from '@hpchub/protocol';
import { syncCollection } from './collection-sync.js';

const root = mkdtempSync(path.join(tmpdir(), 'hpchub-sync-'));
after(() => rmSync(root, { recursive: true, force: true }));

describe('syncing a collection', () => {
  let source: string;
  let home: string;
  let req: CollectionSyncRequest;
  const mine = (rel: string) => path.join(home, 'notebooks', 'unet', rel);
  const put = (dir: string, rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };

  beforeEach(() => {
    const dir = mkdtempSync(path.join(root, 'case-'));
    source = path.join(dir, 'source');
    home = path.join(dir, 'home');
    mkdirSync(source);
    mkdirSync(home);
    put(source, 'start.ipynb', 'v1');
    put(source, 'data/readme.md', 'data v1');
    req = { source, home, target: ['notebooks', 'unet'], maxFileBytes: 1024, maxFiles: 100 };
  });

  test('the first open copies everything', async () => {
    const report = await syncCollection(req);
    assert.deepEqual(report.added, ['data/readme.md', 'start.ipynb']);
    assert.equal(readFileSync(mine('start.ipynb'), 'utf8'), 'v1');
    assert.equal(readFileSync(mine('data/readme.md'), 'utf8'), 'data v1');
  });

  test('later opens: new added, untouched updated, the user’s changes kept, deleted restored, dropped removed', async () => {
    put(source, 'old.ipynb', 'old');
    put(source, 'edited-and-dropped.ipynb', 'x');
    await syncCollection(req);
    writeFileSync(mine('start.ipynb'), 'my edit');
    unlinkSync(mine('data/readme.md'));
    writeFileSync(mine('edited-and-dropped.ipynb'), 'mine');
    put(source, 'start.ipynb', 'v2');
    put(source, 'new.ipynb', 'new');
    unlinkSync(path.join(source, 'old.ipynb'));
    unlinkSync(path.join(source, 'edited-and-dropped.ipynb'));
    const report = await syncCollection(req);
    assert.deepEqual(report.added, ['new.ipynb']);
    assert.deepEqual(report.kept, ['start.ipynb']);
    assert.deepEqual(report.restored, ['data/readme.md']);
    assert.deepEqual(report.removed, ['old.ipynb']);
    assert.equal(readFileSync(mine('start.ipynb'), 'utf8'), 'my edit');
    assert.equal(readFileSync(mine('new.ipynb'), 'utf8'), 'new');
    assert.equal(readFileSync(mine('edited-and-dropped.ipynb'), 'utf8'), 'mine', 'changed by the user: kept');
    assert.equal(existsSync(mine('old.ipynb')), false);

    put(source, 'data/readme.md', 'data v2');
    const again = await syncCollection(req);
    assert.deepEqual(again.updated, ['data/readme.md']);
    assert.deepEqual(again.kept, [], 'said once, when the collection changed it');
    assert.equal(readFileSync(mine('start.ipynb'), 'utf8'), 'my edit');
  });

  test('a file of the user’s own in the way of a new one is renamed with a time stamp', async () => {
    put(home, 'notebooks/unet/start.ipynb', 'my own');
    const report = await syncCollection(req, new Date('2026-12-06T08:15:00Z'));
    assert.deepEqual(report.renamed, [{ from: 'start.ipynb', to: 'start_20261206T081500.ipynb' }]);
    assert.equal(readFileSync(mine('start_20261206T081500.ipynb'), 'utf8'), 'my own');
    assert.equal(readFileSync(mine('start.ipynb'), 'utf8'), 'v1');
  });

  test('links in the collection and oversized files are skipped; too many files refused', async () => {
    symlinkSync('/etc/shadow', path.join(source, 'shadow'));
    symlinkSync('/etc', path.join(source, 'etc'));
    put(source, 'big.bin', 'x'.repeat(2048));
    const report = await syncCollection(req);
    assert.deepEqual(
      report.skipped.map((s) => s.path),
      ['big.bin', 'etc', 'shadow'],
    );
    assert.deepEqual(readdirSync(mine('')).sort(), ['.hpchub-collection.json', 'data', 'start.ipynb']);
    await assert.rejects(syncCollection({ ...req, maxFiles: 1 }), /more than 1 files/);
  });

  test('a target that is a link is refused; a link planted in the copy is replaced, never written through', async () => {
    const elsewhere = path.join(home, '..', 'elsewhere');
    mkdirSync(elsewhere);
    mkdirSync(path.join(home, 'notebooks'));
    symlinkSync(elsewhere, mine(''));
    await assert.rejects(syncCollection(req), /~\/notebooks\/unet is a symbolic link/);
    assert.deepEqual(readdirSync(elsewhere), []);
    unlinkSync(mine(''));

    await syncCollection(req);
    const victim = path.join(elsewhere, 'victim');
    writeFileSync(victim, 'untouched');
    unlinkSync(mine('start.ipynb'));
    symlinkSync(victim, mine('start.ipynb'));
    rmSync(mine('data'), { recursive: true });
    symlinkSync(elsewhere, mine('data'));
    put(source, 'start.ipynb', 'v2');
    const report = await syncCollection(req);
    assert.equal(readFileSync(victim, 'utf8'), 'untouched');
    assert.deepEqual(report.skipped.map((s) => s.path).sort(), ['data/readme.md', 'start.ipynb']);
    assert.ok(lstatSync(mine('start.ipynb')).isSymbolicLink(), 'the user’s link is theirs to keep');
    assert.deepEqual(readdirSync(elsewhere), ['victim']);
  });

  test('target names that could climb out are refused', async () => {
    await assert.rejects(syncCollection({ ...req, target: ['notebooks', '..'] }), /not valid/);
    await assert.rejects(syncCollection({ ...req, target: ['notebooks', 'a/b'] }), /not valid/);
  });
});
