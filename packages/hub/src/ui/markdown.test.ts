// The Markdown subset of news items: what admins write renders as expected, and nothing they
// write becomes markup or a script: HTML, javascript: links, attribute breaking, event handlers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { renderInlineMarkdown, renderMarkdown, safeHref } from './markdown.js';

const md = (s: string) => renderMarkdown(s).value;

describe('Markdown subset', () => {
  test('paragraphs, headings shown two levels down, lists and code blocks', () => {
    assert.equal(md('Hello\nworld\n\nSecond'), '<p>Hello world</p>\n<p>Second</p>');
    assert.equal(md('# Title\n## Sub'), '<h3>Title</h3>\n<h4>Sub</h4>');
    assert.equal(
      md('- one\n- two\n  continued\n\n1. first\n2) second'),
      '<ul><li>one</li><li>two continued</li></ul>\n<ol><li>first</li><li>second</li></ol>',
    );
    assert.equal(
      md('```\nsbatch --wrap "<b>"\n```'),
      '<pre><code>sbatch --wrap &quot;&lt;b&gt;&quot;</code></pre>',
    );
  });

  test('emphasis, strong, code, links, bare links, escapes', () => {
    assert.equal(
      md('*a* **b** _c_ __d__ `e<f>`'),
      '<p><em>a</em> <strong>b</strong> <em>c</em> <strong>d</strong> <code>e&lt;f&gt;</code></p>',
    );
    assert.equal(md('snake_case_name stays'), '<p>snake_case_name stays</p>');
    assert.equal(md('2 * 3 * 4'), '<p>2 * 3 * 4</p>');
    assert.equal(
      md('See [the docs](https://docs.example.org/a?b=1&c=2) or [home](/hub/home).'),
      '<p>See <a href="https://docs.example.org/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">the docs</a> or <a href="/hub/home">home</a>.</p>',
    );
    assert.equal(
      md('Write to [us](mailto:hpc@example.org)'),
      '<p>Write to <a href="mailto:hpc@example.org" rel="noopener noreferrer nofollow">us</a></p>',
    );
    assert.equal(
      md('Status: https://status.example.org/page.'),
      '<p>Status: <a href="https://status.example.org/page" rel="noopener noreferrer nofollow">https://status.example.org/page</a>.</p>',
    );
    assert.equal(md('\\*not emphasis\\*'), '<p>*not emphasis*</p>');
  });

  test('HTML in the input is shown as text', () => {
    assert.equal(md('<script>alert(1)</script>'), '<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>');
    assert.equal(
      md('<img src=x onerror="alert(1)">'),
      '<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>',
    );
    assert.equal(md('# <b>x</b>'), '<h3>&lt;b&gt;x&lt;/b&gt;</h3>');
    assert.equal(md('- <iframe src=//evil>'), '<ul><li>&lt;iframe src=//evil&gt;</li></ul>');
  });

  test('only http(s), mailto and same-site links become links', () => {
    for (const href of [
      'javascript:alert(1)',
      'JaVaScRiPt:alert(1)',
      ' javascript:alert(1)',
      'java\tscript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:x',
      '//evil.example/x',
      '/\\evil.example',
      'javascript&#58;alert(1)',
      'file:///etc/passwd',
    ]) {
      assert.equal(safeHref(href), null, href);
      const out = md(`[click](${href})`);
      assert.doesNotMatch(out, /<a /, href);
    }
    assert.equal(safeHref('https://a.example'), 'https://a.example');
    assert.equal(safeHref('/hub/tokens'), '/hub/tokens');
  });

  test('an attribute cannot be broken out of', () => {
    const out = md('[x](https://a.example/"onmouseover="alert(1))');
    assert.doesNotMatch(out, /" ?onmouseover=/);
    const quoted = md(`[x](https://a.example/'><script>alert(1)</script>)`);
    assert.doesNotMatch(quoted, /<script>/);
  });

  test('the footer line keeps inline markup only', () => {
    assert.equal(
      renderInlineMarkdown('Help: [docs](https://d.example) · <b>x</b>\n# not a heading').value,
      'Help: <a href="https://d.example" rel="noopener noreferrer nofollow">docs</a> · &lt;b&gt;x&lt;/b&gt; # not a heading',
    );
  });

  test('hostile input costs linear time (no catastrophic scanning)', () => {
    // Many openers without closers, many brackets: each would rescan the rest if done naively.
    const inputs = [
      '**a '.repeat(5000),
      '['.repeat(20000),
      '[a]('.repeat(5000),
      'a`'.repeat(10000),
      '_a '.repeat(7000),
    ];
    for (const input of inputs) {
      const out = md(input);
      assert.ok(out.length >= input.length / 2);
      assert.doesNotMatch(out, /<(script|img|iframe)/);
    }
  });
});
