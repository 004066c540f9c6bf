// What every screen needs to answer with a page: the shared dependencies, and sending a page in
// the frame with the caller's principal, the site's look and the maintenance banner.
import type { FastifyReply } from 'fastify';
import type { Accounts } from '../auth/accounts.js';
import type { HubContext } from '../context.js';
import type { NotebookCatalog } from '../notebooks/index.js';
import type { Presets } from '../presets/rules.js';
import type { Sharing } from '../shares/rules.js';
import type { SpawningService } from '../spawn/index.js';
import type { SafeHtml } from '../ui/html.js';
import { type PageOptions, page } from '../ui/layout.js';
import type { Site } from '../ui/site.js';

export interface WebDeps {
  hub: HubContext;
  site: Site;
  spawning: SpawningService;
  accounts: Accounts;
  sharing: Sharing;
  presets: Presets;
  notebooks: NotebookCatalog;
}

export type ScreenOptions = Omit<PageOptions, 'principal' | 'csrfToken' | 'site'>;

export function sendPage(reply: FastifyReply, site: Site, opts: ScreenOptions, body: SafeHtml): FastifyReply {
  const principal = reply.request.principal;
  return reply
    .type('text/html; charset=utf-8')
    .send(page({ ...opts, principal, csrfToken: principal?.csrfToken, site }, body));
}
