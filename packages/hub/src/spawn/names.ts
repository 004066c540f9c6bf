// Naming servers: what a named server may be called (`/user/alice/<name>/` must be a safe URL
// segment, and not a path the apps themselves serve at the top of the default server:
// `/user/alice/lab/…` is JupyterLab, not a server called "lab"), and how a server is named in
// words and in hub URLs.

const SERVER_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;

// Top-level paths of JupyterLab, Notebook, Jupyter Server, code-server and TensorBoard.
const RESERVED = new Set([
  'api',
  'lab',
  'tree',
  'notebooks',
  'edit',
  'view',
  'files',
  'static',
  'custom',
  'nbconvert',
  'terminals',
  'kernels',
  'kernelspecs',
  'doc',
  'login',
  'logout',
  'hub',
  'user',
  'services',
  'voila',
  'metrics',
  'stable',
  'vscode-remote-resource',
  'proxy',
  'absproxy',
  'healthz',
  'manifest.json',
  'data',
  'font-roboto',
  'index.js',
  'icon_bundle.svg',
  'experiment',
  'plugin',
  'plugins',
]);

/** Why a server name is not acceptable, or null. '' (the default server) is always fine. */
export function serverNameProblem(name: string): string | null {
  if (name === '') return null;
  if (!SERVER_NAME.test(name)) {
    return 'A server name has 1 to 40 lower-case letters, digits, "_" and "-", starting with a letter or digit.';
  }
  if (RESERVED.has(name)) return `"${name}" is a path the apps use; choose another server name.`;
  return null;
}

/** `ada`'s default server is "ada's server"; a named one is "ada's server lab". */
export function serverLabel(server: { owner: string; name: string }): string {
  return server.name === '' ? `${server.owner}'s server` : `${server.owner}'s server ${server.name}`;
}

/** Path segments of a server for hub URLs: `/ada` or `/ada/lab`. */
export function serverPath(server: { owner: string; name: string }): string {
  const owner = encodeURIComponent(server.owner);
  return server.name === '' ? `/${owner}` : `/${owner}/${encodeURIComponent(server.name)}`;
}
