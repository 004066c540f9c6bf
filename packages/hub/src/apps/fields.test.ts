import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { HubError } from '../errors/index.js';
import { loadCatalog } from './catalog.js';
import type { AppField } from './definition.js';
import { normaliseHomePath, validateOptions } from './fields.js';

const FIELDS: AppField[] = [
  { name: 'cores', type: 'integer', label: 'Cores', minimum: 1, maximum: 8, default: 1 },
  { name: 'partition', type: 'choice', label: 'Partition', choices: ['normal', 'gpu'], default: 'normal' },
  { name: 'x11', type: 'boolean', label: 'X11', default: false },
  { name: 'dir', type: 'home_path', label: 'Directory', default: '~' },
];

function problems(submitted: Record<string, unknown>): Record<string, string> {
  try {
    validateOptions(FIELDS, submitted);
    return {};
  } catch (err) {
    assert.ok(err instanceof HubError);
    return Object.fromEntries((err.validations ?? []).map((v) => [v.field, v.message]));
  }
}

test('defaults fill absent fields; form strings become numbers and booleans', () => {
  assert.deepEqual(validateOptions(FIELDS, {}), { cores: 1, partition: 'normal', x11: false, dir: '.' });
  assert.deepEqual(validateOptions(FIELDS, { cores: '4', x11: 'on', dir: '~/runs/exp 1' }), {
    cores: 4,
    partition: 'normal',
    x11: true,
    dir: 'runs/exp 1',
  });
});

test('injection, traversal, and out-of-range values are refused, one message per field', () => {
  assert.deepEqual(
    Object.keys(
      problems({ cores: '1; touch /tmp/x', partition: '$(id)', dir: '../../etc', x11: 'maybe' }),
    ).sort(),
    ['cores', 'dir', 'partition', 'x11'],
  );
  for (const cores of [-1, 0, 9, 1e12, 1.5, '1e3', '', null]) {
    const p = problems({ cores });
    if (cores === '' || cores === null) continue;
    assert.ok(p.cores, String(cores));
  }
  assert.match(problems({ partition: 'debug' }).partition ?? '', /Choose one of: normal, gpu/);
  assert.match(problems({ nodes: 2 }).nodes ?? '', /Unknown option nodes/);
});

test('home paths stay inside the home directory and use a narrow alphabet', () => {
  assert.equal(normaliseHomePath('~'), '.');
  assert.equal(normaliseHomePath('./a//b/'), 'a/b');
  for (const bad of [
    '/etc',
    '~root/x',
    '../x',
    'a/../../x',
    'a\nb',
    'a;b',
    '$(id)',
    '`id`',
    "it's",
    'a"b',
    'x'.repeat(1025),
  ]) {
    assert.equal(typeof normaliseHomePath(bad), 'object', JSON.stringify(bad));
  }
});

test('a site apps file adds apps; mistakes in it are all reported; enabled names must exist', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hpchub-apps-'));
  try {
    const file = join(dir, 'apps.yaml');
    writeFileSync(
      file,
      `- id: matlab\n  title: MATLAB\n  description: MATLAB in the browser\n  icon: matlab.svg\n  command: [matlab-proxy-app]\n  env: {}\n  listen: tcp\n  prefix: strip\n  ready_path: /\n  app_auth: { kind: none }\n  modules: [matlab/R2024a]\n  custom_script: ~/.matlabrc\n  fields: []\n`,
    );
    const catalog = loadCatalog({ enabled: ['jupyterlab', 'matlab'], file });
    assert.deepEqual(
      catalog.apps.map((a) => a.id),
      ['jupyterlab', 'matlab'],
    );
    writeFileSync(file, '- id: Bad Id\n  title: ""\n');
    assert.throws(() => loadCatalog({ enabled: ['jupyterlab'], file }), /\[0\]\.id[\s\S]*\[0\]\.title/);
    assert.throws(
      () => loadCatalog({ enabled: ['emacs'], file: '' }),
      /apps\.enabled names apps that do not exist: emacs/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
