// The page for a person who signed in (through single sign-on or a directory) but whose name is
// not an account on the cluster: the hub says so, and the site says how to apply for one.
import type { FastifyReply } from 'fastify';
import type { HubContext } from '../../context.js';
import type { HubError } from '../../errors/index.js';
import { html } from '../../ui/html.js';
import { renderMarkdown } from '../../ui/markdown.js';
import type { Site } from '../../ui/site.js';
import { sendPage } from '../render.js';

export function noAccountPage(reply: FastifyReply, hub: HubContext, site: Site, error: HubError) {
  reply.code(error.status);
  const body = html`<section class="panel narrow" aria-labelledby="no-account-title">
    <h1 id="no-account-title">No cluster account</h1>
    <p id="no-account-who">${error.message} This hub runs your work as that account, so it cannot start anything for you yet.</p>
    <div class="markdown">${renderMarkdown(hub.config.auth.no_account_text)}</div>
    <p><a href="/hub/login">Back to sign in</a></p>
  </section>`;
  return sendPage(reply, site, { title: 'No cluster account' }, body);
}
