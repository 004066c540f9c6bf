// Offset/limit paging as JupyterHub does it: a plain list by default, and a `{items, _pagination}`
// envelope when the client asks for it with `Accept: application/jupyterhub-pagination+json`.
import { PAGINATION_MEDIA_TYPE } from '@hpchub/protocol';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import type { HubConfig } from '../config/index.js';

export const PageQuery = {
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000_000, description: 'Items to skip.' })),
  limit: Type.Optional(
    Type.Integer({ minimum: 1, maximum: 10_000, description: 'Items to return at most.' }),
  ),
};

export function pageOf(
  query: { offset?: number | undefined; limit?: number | undefined },
  api: HubConfig['api'],
): { offset: number; limit: number } {
  return {
    offset: query.offset ?? 0,
    limit: Math.min(query.limit ?? api.page_default_limit, api.page_max_limit),
  };
}

export interface Pagination {
  offset: number;
  limit: number;
  total: number;
  next: { offset: number; limit: number; url: string } | null;
}

/**
 * The page as the client asked for it. `count` (the items over all pages) is called only for the
 * envelope: a count over every row (ten thousand users) is not paid for a plain list.
 */
export async function paginated<T>(
  request: FastifyRequest,
  items: T[],
  page: { offset: number; limit: number },
  count: () => number | Promise<number>,
): Promise<T[] | { items: T[]; _pagination: Pagination }> {
  if (!(request.headers.accept ?? '').includes(PAGINATION_MEDIA_TYPE)) return items;
  const total = await count();
  const nextOffset = page.offset + items.length;
  let next: Pagination['next'] = null;
  if (nextOffset < total) {
    // A whole URL, as JupyterHub gives it: clients (jupyterhub-idle-culler) fetch it as it is.
    const url = new URL(request.url, `${request.protocol}://${request.host}`);
    url.searchParams.set('offset', String(nextOffset));
    url.searchParams.set('limit', String(page.limit));
    next = { offset: nextOffset, limit: page.limit, url: url.href };
  }
  return { items, _pagination: { offset: page.offset, limit: page.limit, total, next } };
}
