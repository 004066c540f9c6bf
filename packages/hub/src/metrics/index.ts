// Prometheus metrics: the hub's registry (hub-metrics.ts) and /hub/metrics (routes.ts).
export { HubMetrics } from './hub-metrics.js';
export { metricsRoutes } from './routes.js';
