// The Notebooks page (the site's collections, searched by words and filtered by tag, each with
// Open and the link to hand on) and the page after opening one when there is something to say
// (files of the user's kept, renamed, or not copied).
import type { CollectionSyncReport } from '@hpchub/protocol';
import type { Collection } from '../../notebooks/index.js';
import { html, type SafeHtml } from '../../ui/html.js';
import { resourcesText } from '../servers.js';

export interface NotebooksView {
  collections: Collection[];
  total: number;
  tags: string[];
  query: string;
  tag: string | undefined;
  appTitle: (id: string) => string;
  /** The hub's origin, for the links to hand on. */
  origin: string;
  /** The folder of the home that collections are copied into (`notebooks.target_dir`). */
  folder: string;
}

const openUrl = (c: Collection) => `/hub/notebooks/${encodeURIComponent(c.id)}/open`;
const tagUrl = (tag: string | undefined, query: string) => {
  const q = new URLSearchParams({ ...(query && { q: query }), ...(tag && { tag }) }).toString();
  return `/hub/notebooks${q ? `?${q}` : ''}`;
};

function card(view: NotebooksView, c: Collection): SafeHtml {
  const resources = resourcesText(c.options ?? {});
  return html`<li class="collection" data-collection="${c.id}">
    <div class="collection-head">
      ${c.icon ? html`<img src="${c.icon}" alt="" width="40" height="40">` : ''}
      <h2>${c.title}</h2>
    </div>
    ${c.description ? html`<p>${c.description}</p>` : ''}
    <p class="muted small">${view.appTitle(c.app)}${resources ? ` · ${resources}` : ''}</p>
    ${(c.tags ?? []).length > 0 ? html`<p class="tags">${(c.tags ?? []).map((t) => html`<a class="badge" href="${tagUrl(t, '')}">${t}</a>`)}</p>` : ''}
    <div class="actions">
      <a class="button small" href="${openUrl(c)}" aria-label="Open ${c.title}">Open</a>
      <label class="visually-hidden" for="link-${c.id}">Link to open ${c.title}</label>
      <input type="text" readonly class="share-link" id="link-${c.id}" value="${view.origin}${openUrl(c)}">
    </div>
  </li>`;
}

export function notebooksBody(view: NotebooksView): SafeHtml {
  const filtered = view.query !== '' || view.tag !== undefined;
  return html`<div class="page-head"><h1>Notebooks</h1></div>
    <p>Standard notebooks of this site. <strong>Open</strong> copies a collection into your home
      (<code>~/${view.folder}/…</code>) and opens it in a server; opening it again later brings in the
      collection's new files without touching the ones you changed.</p>
    <form class="panel search-form" method="get" action="/hub/notebooks" role="search">
      <label for="nb-q">Search</label>
      <input type="search" id="nb-q" name="q" value="${view.query}" placeholder="segmentation, workshop…">
      <label for="nb-tag">Tag</label>
      <select id="nb-tag" name="tag"><option value="">all</option>${view.tags.map(
        (t) => html`<option value="${t}"${t === view.tag ? html` selected` : ''}>${t}</option>`,
      )}</select>
      <button type="submit" class="small">Search</button>
      ${filtered ? html`<a href="/hub/notebooks">Show all</a>` : ''}
    </form>
    ${
      view.total === 0
        ? html`<p class="muted">This site offers no notebook collections yet.</p>`
        : view.collections.length === 0
          ? html`<p class="muted">No collection matches.</p>`
          : html`<ul class="collections">${view.collections.map((c) => card(view, c))}</ul>`
    }`;
}

/** What opening did that the user should hear about, in sentences; empty when nothing. */
export function reportSentences(report: CollectionSyncReport, folder: string): string[] {
  const out: string[] = [];
  for (const f of report.kept)
    out.push(`Kept your version of ${folder}/${f}: the collection changed it too, and your changes win.`);
  for (const r of report.renamed)
    out.push(`Your file ${folder}/${r.from} was renamed ${r.to} to make room for the collection's new file.`);
  for (const s of report.skipped) out.push(`Not copied: ${s.path} — ${s.reason}.`);
  return out;
}

export function openedBody(title: string, folder: string, sentences: string[], next: string): SafeHtml {
  return html`<div class="page-head"><h1>${title}</h1></div>
    <section class="panel">
      <p>The collection is in <code>~/${folder}</code>.</p>
      <ul class="report">${sentences.map((s) => html`<li>${s}</li>`)}</ul>
      <a class="button" href="${next}">Continue</a>
    </section>`;
}
