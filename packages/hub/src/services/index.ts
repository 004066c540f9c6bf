// The hub's services (the `services` option): what the rest of the hub may use.
export { ServiceRunner, type ServiceState } from './runner.js';
