// The authenticating proxy for users' servers: /user/{name}/{server}/… over HTTP and WebSocket.
// The core (proxy.ts) needs only a RouteTable, a ProxyAuthorizer and ProxyPages (types.ts);
// hub-proxy.ts gives it the hub's implementations and puts it in front of Fastify. This is what
// the rest of the hub may use of proxy/.
export { HubAuthorizer, type HubIdentity } from './hub-authorizer.js';
export { createHubProxy, type HubProxy, type HubProxyOptions } from './hub-proxy.js';
export { UserServerProxy } from './proxy.js';
export { HubRoutes } from './route-store.js';
export type * from './types.js';
