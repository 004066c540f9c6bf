// Where the app listens and how a public path becomes the path the app sees: the prefix kept
// (JupyterLab, TensorBoard serve under it) or stripped (code-server, RStudio serve from /).
import type http from 'node:http';

export type AppEndpoint = { socketPath: string } | { host: string; port: number };

export class AppTarget {
  constructor(
    readonly endpoint: AppEndpoint,
    /** The public prefix, with its trailing slash. */
    readonly prefix: string,
    readonly prefixMode: 'keep' | 'strip',
  ) {}

  /** socketPath or host/port, for http.request. */
  connectOptions(): Pick<http.RequestOptions, 'socketPath' | 'host' | 'port'> {
    return 'socketPath' in this.endpoint
      ? { socketPath: this.endpoint.socketPath }
      : { host: this.endpoint.host, port: this.endpoint.port };
  }

  /**
   * The request target (path and query) to send to the app for a public one; null when the
   * prefix is stripped and the path is not under it (nothing there belongs to the app).
   */
  appPath(publicUrl: string): string | null {
    if (this.prefixMode === 'keep') return publicUrl;
    const q = publicUrl.indexOf('?');
    const pathname = q < 0 ? publicUrl : publicUrl.slice(0, q);
    const query = q < 0 ? '' : publicUrl.slice(q);
    if (pathname.startsWith(this.prefix)) return `/${pathname.slice(this.prefix.length)}${query}`;
    if (pathname === this.prefix.slice(0, -1)) return `/${query}`;
    return null;
  }

  /** The public path of a path given relative to the prefix (`/api/status` → `{prefix}api/status`). */
  publicPath(relative: string): string {
    return this.prefix + relative.replace(/^\/+/, '');
  }

  /** X-Forwarded-Prefix for an app that has the prefix stripped (no trailing slash, as proxies send it). */
  forwardedPrefix(): string | undefined {
    return this.prefixMode === 'strip' ? this.prefix.replace(/\/+$/, '') : undefined;
  }

  describe(): string {
    return 'socketPath' in this.endpoint
      ? `unix socket ${this.endpoint.socketPath}`
      : `${this.endpoint.host}:${this.endpoint.port}`;
  }
}
