import assert from 'node:assert/strict';
import { test } from 'node:test';
import { escapeHtml } from './html.js';

test('escapeHtml replaces every character that opens markup, an attribute or a template literal', () => {
  assert.equal(
    escapeHtml(`<a href="x" title='y'>&\`1\`</a>`),
    '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&#96;1&#96;&lt;/a&gt;',
  );
  assert.equal(escapeHtml('plain text, ümlaut'), 'plain text, ümlaut');
});
