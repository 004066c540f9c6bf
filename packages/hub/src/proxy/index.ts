// The authenticating proxy for users' servers: /user/{name}/{server}/… over HTTP and WebSocket.
// The core (proxy.ts) needs only a RouteTable and a ProxyAuthorizer (types.ts); hub-proxy.ts
// gives it the hub's implementations and puts it in front of Fastify.
export { HubAuthorizer, type HubIdentity } from './hub-authorizer.js';
export { createHubProxy, type HubProxy } from './hub-proxy.js';
export { UserServerProxy } from './proxy.js';
export { HubRoutes, type StoredRoute } from './route-store.js';
export { type Grantee, shareServer, unshareServer } from './shares.js';
export type * from './types.js';
