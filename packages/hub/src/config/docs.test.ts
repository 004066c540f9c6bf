import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { OPTIONS } from './describe.js';
import { CONFIG_DOCS_URL, renderConfigDocs } from './docs.js';

it('docs/config.md is generated from the current declarations', () => {
  const committed = readFileSync(CONFIG_DOCS_URL, 'utf8');
  assert.ok(committed === renderConfigDocs(), 'docs/config.md is stale: run npm run docs');
});

it('docs/config.md documents every key with its environment variable and flag', () => {
  const docs = renderConfigDocs();
  for (const o of OPTIONS) {
    assert.ok(docs.includes(`### \`${o.key}\``), o.key);
    assert.ok(docs.includes(`\`${o.env}\``), o.env);
    assert.ok(docs.includes(`\`${o.flag}\``), o.flag);
  }
});
