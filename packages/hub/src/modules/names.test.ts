// A user's module list: accepted as typed or as a JSON list, held to the site's rules, and every
// hostile value refused with one message for the field — shell metacharacters, spaces inside
// names, 1,000 modules, a 100 KB field, names the module system does not know.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../config/index.js';
import { checkModuleList, type ModuleRules, moduleRules } from './names.js';

const known = new Set([
  'gcc',
  'gcc/12.2.0',
  'gcc/13.1.0',
  'python',
  'python/3.11.6-gcc-12.2.0',
  'openmpi',
  'openmpi/4.1.5',
]);
const config = loadConfig({ env: {} }).config;
const knownOnly = moduleRules(config, known);
const anyName = moduleRules({ modules: { ...config.modules, names: 'pattern' } }, known);

function problem(raw: unknown, rules: ModuleRules = knownOnly): string {
  const checked = checkModuleList(raw, rules);
  assert.ok(
    !Array.isArray(checked),
    `accepted ${JSON.stringify(raw)?.slice(0, 80)}: ${JSON.stringify(checked)}`,
  );
  return checked.problem;
}

describe('a user’s module list', () => {
  test('typed text or a JSON list, in order, each name once; nothing given is nothing to load', () => {
    assert.deepEqual(checkModuleList('gcc/12.2.0  python/3.11.6-gcc-12.2.0,openmpi\n', knownOnly), [
      'gcc/12.2.0',
      'python/3.11.6-gcc-12.2.0',
      'openmpi',
    ]);
    assert.deepEqual(checkModuleList(['gcc', 'openmpi/4.1.5', 'gcc'], knownOnly), ['gcc', 'openmpi/4.1.5']);
    for (const empty of [undefined, null, '', '  ', []])
      assert.deepEqual(checkModuleList(empty, knownOnly), []);
  });

  test('known names only: a name the module system does not list is refused, naming it', () => {
    assert.equal(
      problem('gcc/12.2.0 gcc/99 matlab'),
      '"gcc/99" is not a module this cluster has; "matlab" is not a module this cluster has (`module avail` lists them).',
    );
    // The site's other choice: any name that fits the pattern.
    assert.deepEqual(checkModuleList('matlab/R2024a', anyName), ['matlab/R2024a']);
  });

  test('shell metacharacters are never a module name, whatever the site’s pattern', () => {
    const loose = { ...anyName, pattern: /^.*$/u };
    for (const hostile of [
      '$(id)',
      '`id`',
      'gcc;rm',
      'gcc&&id',
      'a|b',
      "it's",
      'gcc"x',
      'x>y',
      'x<y',
      'x*',
      'x?',
      '~root',
      '../../etc/passwd',
      '/etc/profile',
      '-f',
      '--ignore_cache',
      '.hidden/1.0',
      'gcc/../x',
      'a\\b',
      '{a,b}',
      'x#y',
      'naïve',
      'x\u0000y',
    ]) {
      for (const rules of [knownOnly, loose]) {
        assert.match(problem(hostile, rules), /is not a module name/, hostile);
        assert.match(problem([hostile], rules), /is not a module name/, hostile);
      }
    }
  });

  test('spaces inside a name: a list entry is one name', () => {
    assert.equal(problem(['gcc 12.2.0']), 'A module name has no spaces: "gcc 12.2.0".');
    assert.equal(problem(['gcc\t12']), 'A module name has no spaces: "gcc\\t12".');
  });

  test('1,000 modules, a 100 KB field, a name too long: refused by size before any name is looked at', () => {
    const many = Array.from({ length: 1000 }, (_, i) => `gcc/${i}`);
    assert.equal(problem(many), 'Give at most 16 modules; this list has 1000.');
    assert.equal(problem(many.join(' ')), 'This list is too long: give at most 16 module names.');
    assert.equal(problem('x'.repeat(100 * 1024)), 'This list is too long: give at most 16 module names.');
    const nineteen = Array.from({ length: 19 }, (_, i) => `m${i}`).join(' ');
    assert.equal(problem(nineteen), 'Give at most 16 modules; this list has 19.');
    assert.match(problem(`gcc/${'1'.repeat(200)}`), /is longer than 100 characters/);
  });

  test('not text or a list: one message', () => {
    for (const odd of [42, true, { gcc: 1 }, [1, 2]]) assert.match(problem(odd), /^Give module names/);
  });

  test('many bad names: the first three named, the rest counted', () => {
    assert.equal(
      problem('a1 a2 a3 a4 a5'),
      '"a1" is not a module this cluster has; "a2" is not a module this cluster has; "a3" is not a module this cluster has; and 2 more (`module avail` lists them).',
    );
  });

  test('the site’s pattern narrows further; an unusable pattern is a configuration error', () => {
    const onlyVersioned = moduleRules({
      modules: { ...config.modules, names: 'pattern', pattern: '[a-z]+/[0-9.]+' },
    });
    assert.deepEqual(checkModuleList('gcc/12.2.0', onlyVersioned), ['gcc/12.2.0']);
    assert.match(problem('gcc', onlyVersioned), /"gcc" is not a module name/);
    assert.throws(
      () => loadConfig({ env: { HPCHUB_MODULES_PATTERN: '([' } }),
      /modules\.pattern \(env HPCHUB_MODULES_PATTERN\): is not a regular expression/,
    );
  });
});
