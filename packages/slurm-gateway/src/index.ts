// @hpchub/slurm-gateway: the REST service that talks to Slurm for hubs that hold no rights to act
// as users. buildGateway() makes the server (main.ts runs it as `hpchub-slurm-gateway`); the
// client for it is GatewaySlurmClient in @hpchub/slurm, so a hub never depends on this package.
export { type AccountLookup, systemAccounts } from './accounts.js';
export { buildGateway, type GatewayOptions } from './app.js';
export { ConfigError, checkConfig, type GatewayConfig, loadConfig } from './config.js';
export { main } from './main.js';
export { hashToken, newToken } from './tokens.js';
