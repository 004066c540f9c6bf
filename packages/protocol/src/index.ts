// Wire types and JSON schemas shared by the hub, the agent, the slurm-gateway and the UI.
export * from './agent.js';
export * from './api.js';
export * from './certificate.js';
export * from './collection-sync.js';
export * from './errors.js';
export * from './html.js';
export * from './http.js';
export * from './http-forward.js';
export * from './job-modules.js';
export * from './job-script.js';
export * from './pinned-request.js';
export * from './probe.js';
export * from './response-parser.js';
export * from './shell-quote.js';
export * from './upstream-pool.js';
