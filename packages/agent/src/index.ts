// What other packages use from the agent: the settings reader and the Agent itself, and
// the agent's parts (TLS frontend, messages to the hub, heartbeats, the app's address and
// authentication) from which the hub's scale tests build many simulated agents in one process.
// The `hpchub-agent` executable is main.ts, bundled to dist/hpchub-agent.js.
export { Agent } from './agent.js';
export { AppAuth } from './app-auth.js';
export { AppTarget } from './app-target.js';
export { Frontend } from './frontend.js';
export { Heartbeat } from './heartbeat.js';
export { type HubAnswer, HubClient } from './hub-client.js';
export type { Logger } from './log.js';
export { DirectoryTree, PickerError, pickerRootPath } from './picker/directories.js';
export { fillPlaceholders, type PlaceholderValues } from './placeholders.js';
export { secretDigest, secretMatches } from './secrets.js';
export { type AgentSettings, normalizeFingerprint, readSettings, SettingsError } from './settings.js';
