// Listing the modules from the module system itself: the parser on real Lmod 8.6 output (the
// fixtures were made by Debian's Lmod from a tree with a compiler hierarchy, a default version
// and a hidden module; the tree's path replaced by /cluster/apps), then the hub's own listing
// command against the installed Lmod with the test module tree, as any job would see it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { type TestModuleTree, writeTestModuleTree } from '../test-support/modules.js';
import { listModules, type ModuleListError } from './list.js';
import { parseTerse } from './terse.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

describe('terse listings', () => {
  test('`module -t avail` (Lmod): tree headings skipped, names and names without version known', () => {
    const listed = parseTerse(fixture('lmod-avail.txt'));
    assert.deepEqual(listed.names, ['gcc/12.2.0', 'gcc/13.1.0', 'python/3.11.6-gcc-12.2.0']);
    for (const name of ['gcc', 'gcc/12.2.0', 'python', 'python/3.11.6-gcc-12.2.0'])
      assert.ok(listed.known.has(name), name);
    assert.ok(!listed.known.has('openmpi'), 'avail sees only the modules loadable now');
    assert.equal(listed.skipped, 0);
  });

  test('`module -t spider` (Lmod): the whole hierarchy, what avail does not show', () => {
    const listed = parseTerse(fixture('lmod-spider.txt'));
    assert.deepEqual(listed.names, ['gcc/12.2.0', 'gcc/13.1.0', 'openmpi/4.1.5', 'python/3.11.6-gcc-12.2.0']);
    assert.ok(listed.known.has('openmpi'));
    assert.ok(![...listed.known].some((n) => n.includes('secret')), 'hidden modules stay hidden');
  });

  test('tags after names are not part of them; lines that are no module name are left out and counted', () => {
    const listed = parseTerse(
      [
        '/usr/share/modules/modulefiles:',
        'gcc/12.2.0(default)',
        'gcc/13.1.0(default:latest)',
        'foo/1.0 <L>',
        'bar/2(D)',
        '.hidden/1',
        'Lmod Warning: something happened',
        '$(id)',
        '',
      ].join('\n'),
    );
    assert.deepEqual(listed.names, ['bar/2', 'foo/1.0', 'gcc/12.2.0', 'gcc/13.1.0']);
    assert.equal(listed.skipped, 3);
  });

  test('100,000 modules: parsed in one pass', () => {
    const text = Array.from({ length: 100_000 }, (_, i) => `pkg${i % 1000}/${i}`).join('\n');
    const listed = parseTerse(text);
    assert.equal(listed.names.length, 100_000);
    assert.equal(listed.known.size, 101_000);
  });
});

describe('the hub’s listing, from the installed Lmod', () => {
  let tree: TestModuleTree;
  before(() => {
    tree = writeTestModuleTree();
  });
  after(() => tree?.cleanup());

  test('default init files and a `module use` tree: Lmod answers with spider', async () => {
    const listed = await listModules({ init: [], use: [tree.dir] }, 60_000);
    assert.equal(listed.system, 'lmod');
    assert.equal(listed.command, 'module -t spider');
    for (const name of [tree.a.name, tree.b.name, tree.broken, 'hpchub-test-a', 'hpchub-test-b'])
      assert.ok(listed.known.has(name), `${name} in ${[...listed.known].join(' ')}`);
    assert.ok(listed.names.includes(tree.a.name) && listed.names.includes(tree.b.name));
  });

  test('the configured init file is the one sourced', async () => {
    const listed = await listModules({ init: ['/usr/share/lmod/lmod/init/bash'], use: [tree.dir] }, 60_000);
    assert.ok(listed.known.has(tree.b.name));
  });

  test('no module system where the init file says: a clear failure', async () => {
    await assert.rejects(listModules({ init: ['/nonexistent/init/bash'], use: [] }, 60_000), (err: Error) => {
      assert.equal(err.name, 'ModuleListError');
      assert.match(err.message, /no module command: no init file could be read/);
      assert.equal((err as ModuleListError).absent, true);
      return true;
    });
  });

  test('a listing that takes too long is given up', async () => {
    await assert.rejects(listModules({ init: [], use: [tree.dir] }, 1), /took longer than|failed/);
  });
});
