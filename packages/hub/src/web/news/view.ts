// How news reach people: maintenance notices as a banner above every signed-in page and the
// login page, news items in a panel on the login and home pages.
import type { Kysely } from 'kysely';
import type { Database, NewsItemRow } from '../../db/schema.js';
import { shownNews } from '../../news/store.js';
import { html, type SafeHtml } from '../../ui/html.js';
import { renderMarkdown } from '../../ui/markdown.js';
import { formatDate } from '../format.js';

export interface Notices {
  news: NewsItemRow[];
  maintenance: NewsItemRow[];
}

export async function loadNotices(db: Kysely<Database>): Promise<Notices> {
  const items = await shownNews(db);
  return {
    news: items.filter((i) => i.kind !== 'maintenance'),
    maintenance: items.filter((i) => i.kind === 'maintenance'),
  };
}

export function maintenanceBanner(items: NewsItemRow[]): SafeHtml | undefined {
  if (items.length === 0) return undefined;
  return html`<aside class="banner" aria-label="Maintenance notices">${items.map(
    (item) => html`<div class="banner-item">
      <p class="banner-title"><span class="badge warn">Maintenance</span> <strong>${item.title}</strong>
        ${item.ends_at ? html`<span class="muted">until ${formatDate(item.ends_at)}</span>` : ''}</p>
      <div class="prose">${renderMarkdown(item.body)}</div>
    </div>`,
  )}</aside>`;
}

export function newsPanel(items: NewsItemRow[]): SafeHtml {
  if (items.length === 0) return html``;
  return html`<section class="panel news" aria-labelledby="news-title">
    <h2 id="news-title">News</h2>
    ${items.map(
      (item) => html`<article class="news-item">
        <h3>${item.title}</h3>
        <p class="muted small">${formatDate(item.starts_at ?? item.created)}</p>
        <div class="prose">${renderMarkdown(item.body)}</div>
      </article>`,
    )}
  </section>`;
}
