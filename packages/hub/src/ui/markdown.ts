// A small, safe Markdown subset for news items, maintenance notices and the site footer: what
// admins write is shown on every login page, so it must never become markup of its own.
//
// Safe by construction rather than by sanitising: the renderer never copies input into the
// output except through escapeHtml(), and the only tags it emits are its own (p, h3–h6, ul,
// ol, li, pre, code, em, strong, a, br). Links keep http:, https:, mailto: and same-site paths;
// anything else (javascript:, data:, //other.host) stays plain text. Raw HTML in the input is
// shown as text. Every scan is linear in the input, so a hostile item cannot stall a page.
//
// Supported: paragraphs, `#`–`####` headings (shown two levels down, as h3–h6, under the page's
// own h1/h2), `-`/`*`/`+` and `1.` lists, fenced ``` code blocks, `code`, *emphasis*, **strong**,
// [links](https://…), bare https:// links, and backslash escapes.
import { escapeHtml, SafeHtml } from './html.js';

const LIST_ITEM = /^\s{0,3}(?:([-*+])|(\d{1,9})[.)])\s+(.*)$/;
const HEADING = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/;
const FENCE = /^\s{0,3}```/;

/** The href to use for a link target, or null when it is not one we allow. */
export function safeHref(raw: string): string | null {
  const url = raw.trim();
  if (url === '' || /[\s\\]/.test(url) || [...url].some((c) => c.charCodeAt(0) < 32 || c === '\x7f'))
    return null;
  if (url.startsWith('/')) return url.startsWith('//') ? null : url;
  if (url.startsWith('#')) return url;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  return ['http:', 'https:', 'mailto:'].includes(parsed.protocol) ? url : null;
}

function link(href: string, text: string): string {
  const external = /^(https?|mailto):/i.test(href);
  return `<a href="${escapeHtml(href)}"${external ? ' rel="noopener noreferrer nofollow"' : ''}>${text}</a>`;
}

/** indexOf within `window` characters after `from`, or -1. */
function boundedIndex(text: string, needle: string, from: number, window: number): number {
  const at = text.slice(from, from + window + needle.length).indexOf(needle);
  return at < 0 ? -1 : from + at;
}

const BARE_URL = /^https?:\/\/[^\s<>"'`]*[^\s<>"'`.,:;!?)\]]/;
const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

/**
 * Inline markup of one block's text. `closers` remembers delimiters that have no closing
 * partner after some position, so that unmatched `**` or `` ` `` cost one scan in total.
 */
function inline(text: string, inLink = false, closers = new Map<string, number>()): string {
  let out = '';
  let plain = '';
  const flush = () => {
    out += escapeHtml(plain);
    plain = '';
  };
  /** Where `delim` next occurs at or after `from`, or -1 (remembered when there is none). */
  const find = (delim: string, from: number): number => {
    const none = closers.get(delim);
    if (none !== undefined && from >= none) return -1;
    const at = text.indexOf(delim, from);
    if (at < 0) closers.set(delim, Math.min(from, none ?? from));
    return at;
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length && /[\\`*_[\]()#+\-.!<>]/.test(text[i + 1] as string)) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (c === '`') {
      const end = find('`', i + 1);
      if (end > i + 1) {
        flush();
        out += `<code>${escapeHtml(text.slice(i + 1, end))}</code>`;
        i = end + 1;
        continue;
      }
    }
    if (c === '*' || c === '_') {
      const strong = text[i + 1] === c;
      const delim = strong ? c + c : c;
      const start = i + delim.length;
      // `_` inside a word (snake_case) is not emphasis; neither is a delimiter before a space.
      const opens =
        !(c === '_' && isWordChar(text[i - 1])) && text[start] !== undefined && !/\s/.test(text[start]);
      const end = opens ? find(delim, start + 1) : -1;
      if (
        end > start &&
        !/\s/.test(text[end - 1] as string) &&
        !(c === '_' && isWordChar(text[end + delim.length]))
      ) {
        flush();
        const tag = strong ? 'strong' : 'em';
        out += `<${tag}>${inline(text.slice(start, end), inLink)}</${tag}>`;
        i = end + delim.length;
        continue;
      }
    }
    if (c === '[' && !inLink) {
      // Link text and target are searched within a bounded window: many `[` cost little.
      const close = boundedIndex(text, '](', i + 1, 500);
      const paren = close > i ? boundedIndex(text, ')', close + 2, 2000) : -1;
      const href = paren > close ? safeHref(text.slice(close + 2, paren)) : null;
      if (href !== null && !text.slice(i + 1, close).includes('[')) {
        flush();
        out += link(href, inline(text.slice(i + 1, close), true));
        i = paren + 1;
        continue;
      }
    }
    if (c === 'h' && !inLink && !isWordChar(text[i - 1])) {
      const bare = BARE_URL.exec(text.slice(i, i + 2000));
      if (bare && safeHref(bare[0])) {
        flush();
        out += link(bare[0], escapeHtml(bare[0]));
        i += bare[0].length;
        continue;
      }
    }
    plain += c;
    i++;
  }
  flush();
  return out;
}

interface Block {
  kind: 'p' | 'h' | 'ul' | 'ol' | 'code';
  level?: number;
  lines: string[];
  /** For lists: the items, each a list of lines. */
  items?: string[][];
}

function blocks(source: string): Block[] {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const out: Block[] = [];
  let current: Block | undefined;
  const close = () => {
    if (current) out.push(current);
    current = undefined;
  };
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n] as string;
    if (FENCE.test(line)) {
      close();
      const code: string[] = [];
      while (++n < lines.length && !FENCE.test(lines[n] as string)) code.push(lines[n] as string);
      out.push({ kind: 'code', lines: code });
      continue;
    }
    if (line.trim() === '') {
      close();
      continue;
    }
    const heading = HEADING.exec(line);
    if (heading) {
      close();
      out.push({ kind: 'h', level: (heading[1] as string).length, lines: [heading[2] as string] });
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item) {
      const kind = item[1] ? 'ul' : 'ol';
      if (current?.kind !== kind) {
        close();
        current = { kind, lines: [], items: [] };
      }
      current.items?.push([item[3] as string]);
      continue;
    }
    if ((current?.kind === 'ul' || current?.kind === 'ol') && /^\s+\S/.test(line)) {
      current.items?.at(-1)?.push(line.trim());
      continue;
    }
    if (current?.kind !== 'p') {
      close();
      current = { kind: 'p', lines: [] };
    }
    current.lines.push(line.trim());
  }
  close();
  return out;
}

/** Renders the Markdown subset to HTML that is safe to put anywhere in a page. */
export function renderMarkdown(source: string): SafeHtml {
  const html = blocks(source).map((b) => {
    switch (b.kind) {
      case 'code':
        return `<pre><code>${escapeHtml(b.lines.join('\n'))}</code></pre>`;
      case 'h': {
        const level = Math.min(6, (b.level ?? 1) + 2);
        return `<h${level}>${inline(b.lines.join(' '))}</h${level}>`;
      }
      case 'ul':
      case 'ol':
        return `<${b.kind}>${(b.items ?? []).map((lines) => `<li>${inline(lines.join(' '))}</li>`).join('')}</${b.kind}>`;
      default:
        return `<p>${inline(b.lines.join(' '))}</p>`;
    }
  });
  return new SafeHtml(html.join('\n'));
}

/** One line of Markdown without blocks (the site footer, titles): inline markup only. */
export function renderInlineMarkdown(source: string): SafeHtml {
  return new SafeHtml(inline(source.replace(/\s+/g, ' ').trim()));
}
