// Which offered apps another user's process on the same node can reach without credentials:
// those on the node's loopback (listen: tcp, network: host) that do not sign requests in
// themselves (app_auth: none). The admin page names them; docs/security.md says what to do.
import type { AppCatalog } from './catalog.js';
import type { AppDefinition } from './definition.js';

export function exposedApps(catalog: AppCatalog): AppDefinition[] {
  return catalog.apps.filter(
    (app) => app.listen === 'tcp' && app.network === 'host' && app.app_auth.kind === 'none',
  );
}
