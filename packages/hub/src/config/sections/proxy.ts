// The `proxy` section: the authenticating proxy in front of users’ servers, and the HTTP limits
// that apply to every request to the hub.
import { Type } from '@sinclair/typebox';
import { section } from './declare.js';

export const ProxySection = section(
  'The authenticating proxy in front of users’ servers (`/user/<name>/<server>/…`).',
  {
    admin_access: Type.Boolean({
      default: false,
      description: 'Whether administrators may open other users’ servers.',
    }),
    auth_cache_seconds: Type.Integer({
      minimum: 0,
      maximum: 300,
      default: 10,
      description:
        'How long the proxy remembers who a session cookie or API token belongs to, and whom a ' +
        'server is shared with, instead of asking the database on every request. Logging out takes ' +
        'effect at once; a revoked token, a blocked user or a withdrawn share within this time. ' +
        '0 asks the database every time.',
    }),
    activity_flush_seconds: Type.Integer({
      minimum: 1,
      default: 60,
      description:
        'How often the last activity of servers (for idle culling) is written to the database; at ' +
        'most one write per server per interval.',
    }),
    connect_timeout_seconds: Type.Integer({
      minimum: 1,
      default: 10,
      description: 'How long the proxy waits for a connection (and TLS handshake) to a server.',
    }),
    idle_timeout_seconds: Type.Integer({
      minimum: 0,
      default: 300,
      description:
        'An HTTP request to a server on which nothing moves for this long is cut off (long ' +
        'polls and event streams must send something more often). 0 means no limit.',
    }),
    websocket_idle_timeout_seconds: Type.Integer({
      minimum: 0,
      default: 0,
      description:
        'A WebSocket on which nothing moves either way for this long is closed. 0 means no limit ' +
        '(a quiet notebook stays connected).',
    }),
    connect_ahead_concurrency: Type.Integer({
      minimum: 0,
      maximum: 256,
      default: 8,
      description:
        'When the hub starts, it opens a connection to each running server in the background, ' +
        'this many at a time, so that the first request to each after a restart does not wait ' +
        'for a TLS handshake. Connections nobody uses are closed after ' +
        '`upstream_keep_alive_seconds`. 0 turns this off.',
    }),
    upstream_max_sockets: Type.Integer({
      minimum: 1,
      default: 256,
      description:
        'Connections the proxy opens at most to one server at once (WebSockets not counted); ' +
        'further requests wait for a free one.',
    }),
    upstream_max_free_sockets: Type.Integer({
      minimum: 0,
      default: 64,
      description: 'Idle keep-alive connections the proxy keeps open to one server for reuse.',
    }),
    upstream_keep_alive_seconds: Type.Integer({
      minimum: 1,
      default: 30,
      description: 'How long an idle keep-alive connection to a server is kept before it is closed.',
    }),
    max_header_bytes: Type.Integer({
      minimum: 1024,
      maximum: 1048576,
      default: 16384,
      description:
        'Largest request or response head (request line and headers) the hub accepts, in bytes; ' +
        'larger ones get 431. Applies to every request to the hub.',
    }),
    headers_timeout_seconds: Type.Integer({
      minimum: 1,
      default: 60,
      description:
        'How long a client may take to send the head of a request. Applies to every request to the hub.',
    }),
    request_timeout_seconds: Type.Integer({
      minimum: 0,
      default: 3600,
      description:
        'How long a client may take to send one whole request, body included (large uploads ' +
        'need time). 0 means no limit. Applies to every request to the hub.',
    }),
    keep_alive_timeout_seconds: Type.Integer({
      minimum: 1,
      default: 75,
      description:
        'How long an idle keep-alive connection from a browser is kept open. Applies to every ' +
        'connection to the hub.',
    }),
    max_requests_per_connection: Type.Integer({
      minimum: 0,
      default: 0,
      description:
        'Requests a client may send on one keep-alive connection before the hub closes it; 0 means ' +
        'no limit. Applies to every connection to the hub.',
    }),
  },
);
