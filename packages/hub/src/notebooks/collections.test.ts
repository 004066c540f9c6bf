// The site's collections file: entries are checked when the hub starts (a notebook to open that
// climbs out with `..`, an absolute one, a relative source directory, a repository that would be
// read as an option, the same id twice are refused, naming the entry); search and tags.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type Collection, loadCollections, searchCollections } from './collections.js';

const dir = mkdtempSync(join(tmpdir(), 'hpchub-collections-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function load(yaml: string) {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  return loadCollections({ file, target_dir: 'notebooks', cache_dir: '', max_file_mb: 1, max_files: 10 });
}

const entry = (extra: string) => `- id: unet\n  title: U-Net\n  app: jupyterlab\n${extra}`;

describe('the collections file', () => {
  test('a valid entry is read with its source, notebook and resources', () => {
    const [c] = load(
      entry(
        '  source: { git: /srv/git/unet.git, ref: main }\n  open: lessons/start.ipynb\n  options: { gpus: 1, memory_gb: 16 }\n',
      ),
    );
    assert.deepEqual(c?.source, { git: '/srv/git/unet.git', ref: 'main' });
    assert.equal(c?.open, 'lessons/start.ipynb');
    assert.deepEqual(c?.options, { gpus: 1, memory_gb: 16 });
  });

  test('what could climb out or be read as an option is refused, naming the entry', () => {
    for (const bad of [
      '  source: { dir: /srv/nb }\n  open: ../../etc/passwd\n',
      '  source: { dir: /srv/nb }\n  open: lessons/../../x.ipynb\n',
      '  source: { dir: /srv/nb }\n  open: /etc/passwd\n',
      '  source: { dir: relative/path }\n',
      '  source: { git: --upload-pack=evil }\n',
      '  source: { git: /srv/git/x.git, ref: ../x }\n',
    ])
      assert.throws(() => load(entry(bad)), /is not valid:\n {2}\[0\]/, bad);
    assert.throws(
      () => load(`${entry('  source: { dir: /a }\n')}${entry('  source: { dir: /b }\n')}`),
      /names unet more than once/,
    );
  });

  test('search by words and filter by tag', () => {
    const all = [
      {
        id: 'a',
        title: 'U-Net segmentation',
        tags: ['imaging'],
        description: 'Cells',
        source: { dir: '/a' },
        app: 'x',
      },
      { id: 'b', title: 'Workshop', tags: ['workshop'], source: { dir: '/b' }, app: 'x' },
    ] as Collection[];
    assert.deepEqual(
      searchCollections(all, 'cells unet', undefined).map((c) => c.id),
      [],
    );
    assert.deepEqual(
      searchCollections(all, 'cells u-net', undefined).map((c) => c.id),
      ['a'],
    );
    assert.deepEqual(
      searchCollections(all, '', 'workshop').map((c) => c.id),
      ['b'],
    );
    assert.deepEqual(
      searchCollections(all, 'SEGMENTATION', 'workshop').map((c) => c.id),
      [],
    );
  });
});
