import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERRORS_DOC, renderErrorsDoc } from './docs.js';

test('docs/errors.md matches the error catalogue', () => {
  const committed = readFileSync(ERRORS_DOC, 'utf8');
  assert.ok(committed === renderErrorsDoc(), 'docs/errors.md is stale: run npm run docs');
});
