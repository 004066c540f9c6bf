// The product's documentation stands alone: the README and docs/ send readers only to files in
// this repository (never to a design file of the team's workspace), their links resolve, and the
// configuration examples of docs/deploy.md are configurations the hub accepts.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../packages/hub/src/config/index.js';

const ROOT = new URL('..', import.meta.url).pathname;

async function productDocs(): Promise<string[]> {
  const docs = (await readdir(join(ROOT, 'docs')))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join('docs', f));
  const packages = (await readdir(join(ROOT, 'packages')))
    .map((p) => join('packages', p, 'README.md'))
    .filter((f) => existsSync(join(ROOT, f)));
  return ['README.md', ...docs, ...packages];
}

test('no page sends readers outside the repository for the design', async () => {
  for (const file of await productDocs()) {
    const text = await readFile(join(ROOT, file), 'utf8');
    assert.doesNotMatch(text, /DESIGN\.md|\.\.\/shared\/|\/work\/shared|team workspace/i, file);
  }
});

test('every relative link of the README and docs/ leads to a file that exists', async () => {
  for (const file of await productDocs()) {
    const text = await readFile(join(ROOT, file), 'utf8');
    for (const [, target] of text.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)) {
      if (!target || /^[a-z]+:/i.test(target)) continue;
      assert.ok(
        existsSync(join(ROOT, dirname(file), target)),
        `${file} links to ${target}, which does not exist`,
      );
    }
  }
});

/** Every YAML block of `file` whose first line matches `start` is a configuration the hub accepts. */
async function assertExamplesValid(file: string, start: RegExp, minimumKeys: number): Promise<void> {
  const text = await readFile(join(ROOT, file), 'utf8');
  const blocks = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1] as string);
  const examples = blocks.filter((b) => start.test(b));
  assert.ok(examples.length > 0, `${file} shows a hub configuration`);
  const dir = await mkdtemp(join(tmpdir(), 'hpchub-docs-'));
  try {
    for (const [i, block] of examples.entries()) {
      await writeFile(join(dir, `${i}.yaml`), block);
      // Throws, naming every problem, when the example is not a valid configuration.
      const { warnings, sources } = loadConfig({ env: {}, flags: { config: join(dir, `${i}.yaml`) } });
      assert.deepEqual(warnings, []);
      assert.ok(Object.keys(sources).length >= minimumKeys, `${file}: example ${i} was read`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('the hub configuration in docs/deploy.md is valid', () =>
  assertExamplesValid('docs/deploy.md', /^spawner:/m, 6));

test('every configuration in docs/authentication.md is valid', () =>
  assertExamplesValid('docs/authentication.md', /^auth:/m, 5));
