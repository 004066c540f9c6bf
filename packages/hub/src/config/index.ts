// The hub configuration: declarations (options.ts, one module per section in sections/), loading
// and validation (load.ts), and the flattened option list the CLI uses for flags and help
// (describe.ts).
export { ConfigError, type ConfigProblem, formatProblem } from './config-error.js';
export { envName, flagName, OPTIONS, type OptionInfo, SECTIONS, type SectionInfo } from './describe.js';
export {
  CONFIG_ENV,
  configFlagOptions,
  type Env,
  envOverrides,
  flagOverrides,
  type ParsedFlags,
  SECRET_ENV,
} from './env-flags.js';
export type { Layer, Override } from './layer.js';
export { type LoadedConfig, type LoadOptions, loadConfig } from './load.js';
export { CROSS_RULES, type CrossRule, type HubConfig, HubConfigSchema } from './options.js';
export { usageTimeZone } from './time-zone.js';
