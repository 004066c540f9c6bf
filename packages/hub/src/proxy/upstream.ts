// Everything that reaches one server, per route: the keep-alive pool for requests (the
// UpstreamPool of @hpchub/protocol) and an http.Agent for upgrades, both opening connections
// through connect.ts. Per route, so a connection is never reused for another server, nor for the
// same address after the server was replaced (with a new certificate and secret).
import http from 'node:http';
import type net from 'node:net';
import { UpstreamPool } from '@hpchub/protocol';
import { openConnection } from './connect.js';
import type { ParsedTarget } from './target.js';
import type { ProxyLimits } from './types.js';

export class Upstream {
  readonly pool: UpstreamPool;
  private upgrades: http.Agent | undefined;

  constructor(
    readonly target: ParsedTarget,
    private readonly limits: ProxyLimits,
  ) {
    this.pool = new UpstreamPool((done) => openConnection(target, limits, done), limits);
  }

  /** Largest response head accepted from the server. */
  get maxHeaderSize(): number {
    return this.limits.maxHeaderBytes;
  }

  /** For WebSocket upgrades (each takes its connection for good, so no keep-alive). */
  get agent(): http.Agent {
    if (!this.upgrades) {
      const agent = new http.Agent({ keepAlive: false });
      // http.Agent calls createConnection(options, callback) and waits for the callback when it
      // returns nothing: that is how the TLS pin check completes before the request is written.
      agent.createConnection = (_options, done) => {
        openConnection(this.target, this.limits, (err, socket) => done?.(err, socket as net.Socket));
        return undefined;
      };
      this.upgrades = agent;
    }
    return this.upgrades;
  }

  destroy(): void {
    this.pool.destroy();
    this.upgrades?.destroy();
  }
}
